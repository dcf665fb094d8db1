/**
 * The permissive `admin` Project, for what must be allowed everything (the root app of `mooring bootstrap`,
 * which creates Applications and cluster-scoped objects): a Project, the ServiceAccount it applies as, and a
 * ClusterRoleBinding of that account to cluster-admin. Never part of a default install: `mooring install
 * --admin-project` writes it explicitly. The safe `default` Project ships in deploy/tenancy/. Pure builders.
 */
import type { KubeObject } from '../core/objects.js';
import { MOORING_API_VERSION } from '../crd/common.js';
import type { ProjectSpecInput } from '../crd/project.js';

/** Name of the permissive Project `--admin-project` creates. */
export const ADMIN_PROJECT = 'admin';
/** The ServiceAccount (in the controller namespace) the admin Project applies as. */
export const ADMIN_SERVICE_ACCOUNT = 'mooring-admin';
/** The safe default Project's ServiceAccount (deploy/tenancy/default-project.yaml). */
export const DEPLOYER_SERVICE_ACCOUNT = 'mooring-deployer';

const LABELS = { 'app.kubernetes.io/name': 'mooring', 'app.kubernetes.io/component': 'tenancy' };

export interface AdminProjectOptions {
  /** The controller namespace: where the Project and its ServiceAccount live. */
  namespace: string;
  /** Default ADMIN_PROJECT. */
  projectName?: string;
  /** Default ADMIN_SERVICE_ACCOUNT. */
  serviceAccountName?: string;
  /** Namespaces whose Applications may use it; default only `namespace`. */
  sourceNamespaces?: string[];
}

/**
 * A Project that allows any repository, any namespace of the local cluster (the controller namespace
 * named literally, since globs never match it) and every cluster-scoped kind, applied as a ServiceAccount
 * bound to cluster-admin. The ClusterRoleBinding is named after the account and namespace, so several
 * controller namespaces (tests) never share one.
 */
export function adminProjectObjects(options: AdminProjectOptions): KubeObject[] {
  const { namespace } = options;
  const projectName = options.projectName ?? ADMIN_PROJECT;
  const account = options.serviceAccountName ?? ADMIN_SERVICE_ACCOUNT;
  const spec: ProjectSpecInput = {
    description: 'Everything, as cluster-admin: for the bootstrap root app only.',
    sourceNamespaces: options.sourceNamespaces ?? [namespace],
    sourceRepos: ['**'],
    destinations: [
      { namespace: '*', serviceAccountName: `${namespace}/${account}` },
      { namespace, serviceAccountName: `${namespace}/${account}` },
    ],
    clusterResourceAllowList: [{ group: '*', kind: '*' }],
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: account, namespace, labels: LABELS },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: adminBindingName(namespace, account), labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
    },
    {
      apiVersion: MOORING_API_VERSION,
      kind: 'Project',
      metadata: { name: projectName, namespace, labels: LABELS },
      spec,
    },
  ];
}

/** The ClusterRoleBinding of an admin Project's ServiceAccount. */
export function adminBindingName(namespace: string, account = ADMIN_SERVICE_ACCOUNT): string {
  return `${account}-${namespace}`;
}
