import { homedir } from 'node:os';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';

/** Components of a local control plane, in start order. */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Loopback ports of one cluster. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** Every path of one cluster, all under its own directory. */
export interface ClusterLayout {
  name: string;
  dir: string;
  kubeconfig: string;
  stateFile: string;
  etcdData: string;
  logs: string;
  pki: string;
  certDir: string;
}

const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** Refuses names that could escape the clusters directory or confuse a shell user. */
export function validateClusterName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new MooringError('INVALID_ARGUMENT', `invalid cluster name "${name}"`, {
      hint: 'use lowercase letters, digits and dashes (at most 40), starting and ending with a letter or digit',
    });
  }
  return name;
}

/** Where Mooring keeps local state: $MOORING_HOME, else ~/.mooring. */
export function mooringHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOORING_HOME ?? join(homedir(), '.mooring');
}

export function clusterLayout(name: string, home = mooringHome()): ClusterLayout {
  const dir = join(home, 'clusters', validateClusterName(name));
  return {
    name,
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    stateFile: join(dir, 'state.json'),
    etcdData: join(dir, 'etcd'),
    logs: join(dir, 'logs'),
    pki: join(dir, 'pki'),
    certDir: join(dir, 'serving-certs'),
  };
}

/** Paths of the certificates and keys under layout.pki. */
export function pkiPaths(
  layout: ClusterLayout,
): Record<
  'caCert' | 'caKey' | 'serverCert' | 'serverKey' | 'adminCert' | 'adminKey' | 'saKey' | 'saPub',
  string
> {
  const p = (file: string): string => join(layout.pki, file);
  return {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('service-account.key'),
    saPub: p('service-account.pub'),
  };
}
