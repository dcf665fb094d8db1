/**
 * Credentials of a ServiceAccount, for acting exactly as the controller would in its pod: a short-lived
 * token from the TokenRequest API and the cluster's CA. Tests use it to prove the install's RBAC is
 * enough; an operator can use it to run `mooring controller` outside the cluster with least privilege.
 */
import { MooringError } from '../core/errors.js';
import { pollUntil } from '../core/wait.js';
import type { ClusterAccess } from '../kube/kubeconfig.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { KubeApiError } from '../kube/errors.js';

interface TokenRequestAnswer {
  status?: { token?: string; expirationTimestamp?: string };
}

/**
 * Asks the API server for a token of ServiceAccount `namespace/name` (POST .../serviceaccounts/NAME/token,
 * valid `expirationSeconds`, at least 600) and returns access to the same server with it. The CA is `ca`
 * when given, else the `kube-root-ca.crt` ConfigMap every namespace holds (the CA pods trust).
 */
export async function serviceAccountKubeconfig(
  objects: ObjectsApi,
  namespace: string,
  name: string,
  expirationSeconds: number,
  ca?: string,
): Promise<ClusterAccess> {
  const subject = `ServiceAccount/${namespace}/${name}`;
  let answer: TokenRequestAnswer;
  try {
    answer = await objects.client.request<TokenRequestAnswer>({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: Math.max(600, Math.round(expirationSeconds)) },
      },
      verb: 'create',
      subject,
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) {
      throw new MooringError('NOT_FOUND', `${subject} does not exist`, {
        cause: error,
        subject,
        hint: 'install Mooring first (mooring install), or name an existing service account',
      });
    }
    throw error;
  }
  const token = answer.status?.token;
  if (token === undefined || token === '') {
    throw new MooringError('API_ERROR', `the API server returned no token for ${subject}`, { subject });
  }
  return {
    server: objects.client.serverURL.replace(/\/$/, ''),
    ca: ca ?? (await clusterCA(objects, namespace)),
    token,
  };
}

/**
 * The CA bundle the controller manager publishes in every namespace; a namespace created a moment ago
 * may not have it yet, so it is awaited for up to `waitMs`.
 */
async function clusterCA(objects: ObjectsApi, namespace: string, waitMs = 15_000): Promise<string> {
  const ref = { group: '', kind: 'ConfigMap', namespace, name: 'kube-root-ca.crt' };
  try {
    return await pollUntil(
      async () => {
        const configMap = await objects.get('v1', ref);
        return (configMap?.data as Record<string, string> | undefined)?.['ca.crt'];
      },
      { timeoutMs: waitMs, intervalMs: 250, what: `ConfigMap ${namespace}/kube-root-ca.crt` },
    );
  } catch (error) {
    throw new MooringError(
      'NOT_FOUND',
      `ConfigMap ${namespace}/kube-root-ca.crt with the cluster's CA did not appear`,
      {
        cause: error,
        subject: `ConfigMap/${namespace}/kube-root-ca.crt`,
        hint: 'the controller manager publishes it into every namespace; pass the CA explicitly if yours does not',
      },
    );
  }
}
