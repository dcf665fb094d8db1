import { stringify } from 'yaml';

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caData: string;
  clientCertData: string;
  clientKeyData: string;
}

/** A kubeconfig with one cluster, one admin user and one context named after the cluster. Pure. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const context = `mooring-${input.clusterName}`;
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: context, cluster: { server: input.server, 'certificate-authority-data': b64(input.caData) } },
    ],
    users: [
      {
        name: `${context}-admin`,
        user: {
          'client-certificate-data': b64(input.clientCertData),
          'client-key-data': b64(input.clientKeyData),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: context, user: `${context}-admin` } }],
    'current-context': context,
    preferences: {},
  });
}
