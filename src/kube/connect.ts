import { KubeConfig } from '@kubernetes/client-node';

import { MooringError, errorMessage } from '../core/errors.js';
import { KubeClient } from './client.js';
import { Discovery } from './discovery.js';
import { ObjectsApi } from './objects-api.js';

export interface ConnectOptions {
  /** Path of a kubeconfig; default $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** A client for the cluster a kubeconfig points at (nothing is sent until the first request). */
export function connect(options: ConnectOptions = {}): ObjectsApi {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig === undefined) kc.loadFromDefault();
    else kc.loadFromFile(options.kubeconfig);
    if (options.context !== undefined) kc.setCurrentContext(options.context);
  } catch (error) {
    throw new MooringError('INVALID_ARGUMENT', `cannot load the kubeconfig: ${errorMessage(error)}`, {
      hint: 'pass --kubeconfig PATH or set KUBECONFIG',
    });
  }
  const server = kc.getCurrentCluster()?.server ?? '';
  if (server.startsWith('http:')) {
    const fallback = server === 'http://localhost:8080';
    throw new MooringError(
      'INVALID_ARGUMENT',
      fallback
        ? 'no kubeconfig found (KUBECONFIG unset, no ~/.kube/config, not in a cluster)'
        : `the kubeconfig's server ${server} is plain HTTP`,
      {
        hint: fallback
          ? 'pass --kubeconfig PATH or set KUBECONFIG (a local cluster: mooring dev cluster up)'
          : 'Mooring only talks to API servers over HTTPS',
      },
    );
  }
  if (kc.getCurrentCluster() === null) {
    throw new MooringError('INVALID_ARGUMENT', 'the kubeconfig has no current cluster', {
      hint: 'pass --context NAME, or --kubeconfig PATH (e.g. ~/.mooring/clusters/dev/kubeconfig)',
    });
  }
  const client = new KubeClient(kc);
  return new ObjectsApi(client, new Discovery(client));
}
