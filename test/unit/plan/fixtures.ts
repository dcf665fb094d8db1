/** Builders for plan-stage unit tests: objects, a discovery table, a seeded random generator. */
import type { KubeObject } from '../../../src/core/objects.js';
import type { PlanInput } from '../../../src/plan/types.js';

/** An object with just enough fields; `namespace` omitted means none was written. */
export function manifest(
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  annotations?: Record<string, string>,
): KubeObject {
  const metadata: KubeObject['metadata'] = { name };
  if (namespace !== undefined) metadata.namespace = namespace;
  if (annotations !== undefined) metadata.annotations = annotations;
  return { apiVersion, kind, metadata };
}

/** A CRD defining `kind` in `group` with the given scope. */
export function crd(group: string, kind: string, scope: 'Namespaced' | 'Cluster'): KubeObject {
  return {
    ...manifest('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `${kind.toLowerCase()}s.${group}`),
    spec: { group, names: { kind, plural: `${kind.toLowerCase()}s` }, scope, versions: [] },
  };
}

const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/PersistentVolume',
  'storage.k8s.io/StorageClass',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'networking.k8s.io/IngressClass',
]);
const NAMESPACED = new Set([
  '/ConfigMap',
  '/Secret',
  '/Service',
  '/ServiceAccount',
  '/Pod',
  'apps/Deployment',
  'apps/StatefulSet',
  'batch/Job',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'networking.k8s.io/Ingress',
]);

/** Discovery of a cluster that knows the built-in kinds only. */
export function builtInDiscovery(group: string, kind: string): boolean | undefined {
  const key = `${group}/${kind}`;
  if (NAMESPACED.has(key)) return true;
  if (CLUSTER_SCOPED.has(key)) return false;
  return undefined;
}

/** A plan input for app "shop" in namespace "shop" with `objects`; override anything. */
export function planInput(objects: KubeObject[], overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    appName: 'shop',
    objects,
    defaultNamespace: 'shop',
    isNamespaced: builtInDiscovery,
    previousInventory: [],
    prune: true,
    pruneBrake: { maxFraction: 0.5, allow: false },
    ...overrides,
  };
}

/** mulberry32: a tiny seeded generator, so property tests are reproducible. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates) driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
