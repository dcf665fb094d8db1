/**
 * Apply and prune order. Like Argo CD: phase, then wave, then kind, then namespace and name. One addition:
 * Namespaces, then CRDs (non-hook ones) come before everything else, whatever their phase or wave, because
 * nothing in a namespace, and no custom resource, can be created before them. Pure.
 */
import type { ObjectRef } from '../core/objects.js';
import type { Phase, PlannedObject, WaveGroup } from './types.js';

const PHASE_ORDER: Readonly<Record<Phase, number>> = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };

/** Argo CD's kind order (gitops-engine sync_tasks.go); kinds not listed are custom resources and go last. */
const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

/**
 * Groups of the built-in kinds above. A custom resource that happens to be called "Service" (Knative) is
 * still a custom resource: it must wait for its CRD.
 */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'extensions',
  'policy',
  'autoscaling',
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
]);

const KIND_RANK = new Map(KIND_ORDER.map((kind, index) => [kind, index]));

/** Position of a kind in apply order; custom resources share the last rank. */
export function kindRank(group: string, kind: string): number {
  const rank = BUILT_IN_GROUPS.has(group) ? KIND_RANK.get(kind) : undefined;
  return rank ?? KIND_ORDER.length;
}

/** True for hooks (objects with a hook phase, including explicit 'Sync' hooks); hooks are not inventoried. */
export function isHook(planned: PlannedObject): boolean {
  return planned.hookDeletePolicies !== undefined;
}

/** 0 for Namespaces, 1 for CRDs, 2 for every other kind: the first is applied first and pruned last. */
export function hoistStage(group: string, kind: string): number {
  if (group === '' && kind === 'Namespace') return 0;
  if (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition') return 1;
  return 2;
}

/** Hooks are never hoisted: they run in their phase. */
function stageOf(planned: PlannedObject): number {
  return isHook(planned) ? 2 : hoistStage(planned.ref.group, planned.ref.kind);
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Kind rank, then namespace, name and group: the order within one phase and wave. */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return (
    kindRank(a.group, a.kind) - kindRank(b.group, b.kind) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.name, b.name) ||
    compareText(a.group, b.group) ||
    compareText(a.kind, b.kind)
  );
}

/** Comparator for apply order: Namespaces, CRDs, then phase, wave, kind rank, namespace, name. */
export function applyOrder(a: PlannedObject, b: PlannedObject): number {
  return (
    stageOf(a) - stageOf(b) ||
    PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] ||
    a.wave - b.wave ||
    compareRefs(a.ref, b.ref)
  );
}

/** Comparator for prune order: the reverse of apply order (custom resources before CRDs, Namespaces last). */
export function pruneOrder(a: PlannedObject, b: PlannedObject): number {
  return applyOrder(b, a);
}

/**
 * Splits objects into runs of one phase and wave, in apply order; each run can be applied together and
 * waited for before the next. The hoisted Namespaces and CRDs form runs of their own, so nothing is applied
 * alongside them. Sorts a copy first, so any order of `planned` works.
 */
export function groupIntoWaves(planned: readonly PlannedObject[]): WaveGroup[] {
  const groups: WaveGroup[] = [];
  let lastHoisted = false;
  for (const object of [...planned].sort(applyOrder)) {
    const hoisted = stageOf(object) < 2;
    const last = groups.at(-1);
    if (last?.phase === object.phase && last.wave === object.wave && hoisted === lastHoisted) {
      last.objects.push(object);
    } else {
      groups.push({ phase: object.phase, wave: object.wave, objects: [object] });
    }
    lastHoisted = hoisted;
  }
  return groups;
}
