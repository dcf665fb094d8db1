/**
 * Registering a destination cluster (`mooring cluster add`): in the target, a ServiceAccount with the least
 * rights the controller needs there, and its token; in the controller namespace, a labelled Secret the
 * controller's cluster registry reads. The controller only reads and impersonates on a remote cluster: every
 * write is made as the ServiceAccount the Project names for that destination, so the stored token cannot
 * write anything by itself.
 */
import { errorMessage, MooringError } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import { MOORING_API_VERSION } from '../crd/common.js';
import { KubeClient } from '../kube/client.js';
import {
  CLUSTER_SECRET_LABEL,
  CLUSTER_SECRET_TYPE,
  clusterConfigFromSecret,
  IN_CLUSTER,
} from '../kube/clusters.js';
import { Discovery } from '../kube/discovery.js';
import { ObjectsApi } from '../kube/objects-api.js';
import { serviceAccountKubeconfig } from './service-account.js';

export type ClusterMode = 'cluster' | 'namespaced';

/** Where the controller's ServiceAccount lives in a target cluster. */
export const REMOTE_NAMESPACE = 'mooring-remote';
export const REMOTE_SERVICE_ACCOUNT = 'mooring-controller';
const FIELD_MANAGER = 'mooring-cluster-add';
const LABELS = { 'app.kubernetes.io/name': 'mooring', 'app.kubernetes.io/component': 'remote-access' };

/** The Secret name that holds cluster `name` in the controller namespace. */
export function clusterSecretName(name: string): string {
  return `cluster-${name}`;
}

/**
 * What the controller needs on a remote cluster: read (the live cache lists and watches what apps manage;
 * dry-runs and writes are impersonated), impersonate ServiceAccounts (the Projects' identities), and — in
 * cluster mode — create Namespaces (createNamespace; server-side apply needs create and patch). Namespaced mode grants the same per namespace, in Roles,
 * and nothing cluster-wide. Pure.
 */
export function remoteAccessObjects(mode: ClusterMode, namespaces: readonly string[]): KubeObject[] {
  const read = { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] };
  const impersonate = { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] };
  const account = { kind: 'ServiceAccount', name: REMOTE_SERVICE_ACCOUNT, namespace: REMOTE_NAMESPACE };
  const base: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: REMOTE_NAMESPACE, labels: LABELS } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: REMOTE_SERVICE_ACCOUNT, namespace: REMOTE_NAMESPACE, labels: LABELS },
    },
  ];
  if (mode === 'cluster') {
    return [
      ...base,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'mooring-remote-controller', labels: LABELS },
        // Server-side apply creates a Namespace with PATCH: create alone is not enough.
        rules: [
          read,
          impersonate,
          { apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'patch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'mooring-remote-controller', labels: LABELS },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'mooring-remote-controller',
        },
        subjects: [account],
      },
    ];
  }
  if (namespaces.length === 0)
    throw new MooringError('INVALID_ARGUMENT', 'namespaced mode needs at least one --namespace', {
      hint: 'mooring cluster add CONTEXT --mode namespaced --namespace team-a --namespace team-b',
    });
  return [
    ...base,
    ...namespaces.flatMap((namespace): KubeObject[] => [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'mooring-remote-controller', namespace, labels: LABELS },
        rules: [read, impersonate],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'mooring-remote-controller', namespace, labels: LABELS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'mooring-remote-controller' },
        subjects: [account],
      },
    ]),
  ];
}

export interface AddClusterOptions {
  /** The name Applications and Projects use. */
  name: string;
  mode: ClusterMode;
  /** Namespaced mode: the namespaces the controller may read and impersonate in. */
  namespaces?: string[];
  /** The controller namespace (where the cluster Secret is stored). */
  controllerNamespace: string;
  /** The target's CA (from the kubeconfig); else the target's kube-root-ca.crt. */
  ca?: string;
  /** How long to wait for the token controller to fill the token Secret (default 15 s). */
  tokenTimeoutMs?: number;
}

/**
 * Creates the controller's ServiceAccount and rights in `target`, gets a long-lived token (a token Secret;
 * a year-long TokenRequest when the target has no token controller), and stores the labelled cluster Secret
 * through `local`. Returns the stored Secret (its data holds the token: never print it).
 */
export async function addCluster(
  target: ObjectsApi,
  local: ObjectsApi,
  options: AddClusterOptions,
): Promise<KubeObject> {
  if (options.name === IN_CLUSTER)
    throw new MooringError('INVALID_ARGUMENT', `"${IN_CLUSTER}" is the controller's own cluster`, {
      hint: 'pass --name with another name',
    });
  const namespaces = options.namespaces ?? [];
  for (const obj of remoteAccessObjects(options.mode, namespaces))
    await target.apply(obj, { fieldManager: FIELD_MANAGER });
  const access = await longLivedToken(target, options);
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: clusterSecretName(options.name),
      namespace: options.controllerNamespace,
      labels: { [CLUSTER_SECRET_LABEL]: CLUSTER_SECRET_TYPE, ...LABELS },
    },
    stringData: {
      name: options.name,
      server: access.server,
      ...(access.ca === undefined ? {} : { 'ca.crt': access.ca }),
      token: access.token,
      ...(options.mode === 'namespaced' ? { namespaces: namespaces.join(',') } : {}),
    },
  };
  return local.apply(secret, { fieldManager: FIELD_MANAGER });
}

async function longLivedToken(
  target: ObjectsApi,
  options: AddClusterOptions,
): Promise<{ server: string; ca?: string; token: string }> {
  const server = target.client.serverURL.replace(/\/$/, '');
  const tokenSecret = `${REMOTE_SERVICE_ACCOUNT}-token`;
  await target.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: tokenSecret,
        namespace: REMOTE_NAMESPACE,
        labels: LABELS,
        annotations: { 'kubernetes.io/service-account.name': REMOTE_SERVICE_ACCOUNT },
      },
    },
    { fieldManager: FIELD_MANAGER },
  );
  const filled = await pollUntil(
    async () => {
      const secret = await target.get('v1', {
        group: '',
        kind: 'Secret',
        namespace: REMOTE_NAMESPACE,
        name: tokenSecret,
      });
      const data = (secret?.data ?? {}) as Record<string, string | undefined>;
      return data.token === undefined ? undefined : data;
    },
    { timeoutMs: options.tokenTimeoutMs ?? 15_000, intervalMs: 200, what: 'the token Secret to be filled' },
  ).catch(() => undefined);
  if (filled?.token !== undefined) {
    const ca = options.ca ?? (filled['ca.crt'] === undefined ? undefined : decode(filled['ca.crt']));
    return { server, ...(ca === undefined ? {} : { ca }), token: decode(filled.token) };
  }
  const access = await serviceAccountKubeconfig(
    target,
    REMOTE_NAMESPACE,
    REMOTE_SERVICE_ACCOUNT,
    365 * 24 * 3600,
    options.ca,
  );
  if (access.token === undefined)
    throw new MooringError('API_ERROR', 'the target cluster gave no token for the controller');
  return { server, ...(access.ca === undefined ? {} : { ca: access.ca }), token: access.token };
}

function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** One row of `mooring cluster list`. */
export interface ClusterRow {
  name: string;
  server: string;
  reachable: boolean;
  version?: string;
  /** `namespace/name` of the Applications that deploy there. */
  apps: string[];
  lastError?: string;
}

/** The Applications (all namespaces the caller may list, else the controller's) per destination cluster. */
async function appsByCluster(local: ObjectsApi, controllerNamespace: string): Promise<Map<string, string[]>> {
  const apps = await local
    .list(MOORING_API_VERSION, 'Application')
    .catch(() => local.list(MOORING_API_VERSION, 'Application', { namespace: controllerNamespace }));
  const byCluster = new Map<string, string[]>();
  for (const app of apps) {
    const cluster =
      (app.spec as { destination?: { cluster?: string } } | undefined)?.destination?.cluster ?? IN_CLUSTER;
    byCluster.set(cluster, [
      ...(byCluster.get(cluster) ?? []),
      `${app.metadata.namespace ?? ''}/${app.metadata.name}`,
    ]);
  }
  return byCluster;
}

async function clusterSecrets(local: ObjectsApi, controllerNamespace: string): Promise<KubeObject[]> {
  return local.list('v1', 'Secret', {
    namespace: controllerNamespace,
    labelSelector: `${CLUSTER_SECRET_LABEL}=${CLUSTER_SECRET_TYPE}`,
  });
}

/**
 * Every registered cluster (and in-cluster): reachable now (one /version each, 5 s at most), its Kubernetes
 * version, the apps that deploy there, and why it is unusable or unreachable.
 */
export async function listClusters(local: ObjectsApi, controllerNamespace: string): Promise<ClusterRow[]> {
  const apps = await appsByCluster(local, controllerNamespace);
  const probe = async (objects: ObjectsApi): Promise<{ version?: string; error?: string }> => {
    try {
      const answer = await objects.client.request<{ gitVersion?: string } | undefined>({
        method: 'GET',
        path: '/version',
        verb: 'discovery',
        timeoutMs: 5_000,
      });
      return answer?.gitVersion === undefined ? {} : { version: answer.gitVersion };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  };
  const row = (name: string, server: string, answer: { version?: string; error?: string }): ClusterRow => ({
    name,
    server,
    reachable: answer.error === undefined,
    ...(answer.version === undefined ? {} : { version: answer.version }),
    apps: apps.get(name) ?? [],
    ...(answer.error === undefined ? {} : { lastError: answer.error }),
  });
  const rows = [row(IN_CLUSTER, local.client.serverURL, await probe(local))];
  for (const secret of await clusterSecrets(local, controllerNamespace)) {
    let config;
    try {
      config = clusterConfigFromSecret(secret);
    } catch (error) {
      rows.push(row(secret.metadata.name, '', { error: errorMessage(error) }));
      continue;
    }
    const client = new KubeClient(config.access);
    try {
      rows.push(
        row(config.name, config.access.server, await probe(new ObjectsApi(client, new Discovery(client)))),
      );
    } finally {
      client.close();
    }
  }
  return rows;
}

/**
 * Removes cluster `name` from the registry (its Secret). Refused while Applications deploy there, unless
 * `force`: their apps then report the cluster as unknown (their objects stay where they are). What
 * `cluster add` created in the target stays too (the target may be gone); the returned note says so.
 */
export async function removeCluster(
  local: ObjectsApi,
  controllerNamespace: string,
  name: string,
  force: boolean,
): Promise<{ secret: string; apps: string[] }> {
  const secret = (await clusterSecrets(local, controllerNamespace)).find((s) => {
    try {
      return clusterConfigFromSecret(s).name === name;
    } catch {
      return s.metadata.name === name || s.metadata.name === clusterSecretName(name);
    }
  });
  if (secret === undefined)
    throw new MooringError('NOT_FOUND', `no cluster "${name}" in ${controllerNamespace}`, {
      hint: 'mooring cluster list shows the registered clusters',
    });
  const apps = (await appsByCluster(local, controllerNamespace)).get(name) ?? [];
  if (apps.length > 0 && !force)
    throw new MooringError(
      'INVALID_ARGUMENT',
      `cluster "${name}" is the destination of ${apps.length} Application(s): ${apps.join(', ')}`,
      { hint: 'move or delete them first, or pass --force (their objects stay on the cluster, unmanaged)' },
    );
  await local.delete('v1', {
    group: '',
    kind: 'Secret',
    namespace: controllerNamespace,
    name: secret.metadata.name,
  });
  return { secret: `${controllerNamespace}/${secret.metadata.name}`, apps };
}
