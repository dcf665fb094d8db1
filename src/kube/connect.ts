import { readFileSync } from 'node:fs';

import { MooringError, errorMessage } from '../core/errors.js';
import { KubeClient } from './client.js';
import { Discovery } from './discovery.js';
import type { ClusterAccess } from './kubeconfig.js';
import { accessFromKubeconfig, defaultKubeconfigPath, inClusterAccess } from './kubeconfig.js';
import { ObjectsApi } from './objects-api.js';

export interface ConnectOptions {
  /** Path of a kubeconfig; default $KUBECONFIG or ~/.kube/config, else the pod's service account. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** Where to connect and with which credentials, as kubectl would decide. */
export function resolveAccess(options: ConnectOptions = {}): ClusterAccess {
  const path = options.kubeconfig ?? defaultKubeconfigPath();
  if (path === undefined) {
    const inCluster = inClusterAccess();
    if (inCluster !== undefined) return inCluster;
    throw new MooringError(
      'INVALID_ARGUMENT',
      'no kubeconfig found (KUBECONFIG unset, no ~/.kube/config, not in a cluster)',
      {
        hint: 'pass --kubeconfig PATH or set KUBECONFIG (a local cluster: mooring dev cluster up)',
      },
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MooringError('INVALID_ARGUMENT', `cannot read the kubeconfig ${path}: ${errorMessage(error)}`, {
      hint: 'pass --kubeconfig PATH or set KUBECONFIG',
    });
  }
  const access = accessFromKubeconfig(text, path, options.context);
  if (access.server.startsWith('http:')) {
    throw new MooringError('INVALID_ARGUMENT', `the kubeconfig's server ${access.server} is plain HTTP`, {
      hint: 'Mooring only talks to API servers over HTTPS',
    });
  }
  return access;
}

/** A client for the cluster a kubeconfig points at (nothing is sent until the first request). */
export function connect(options: ConnectOptions = {}): ObjectsApi {
  const client = new KubeClient(resolveAccess(options));
  return new ObjectsApi(client, new Discovery(client));
}
