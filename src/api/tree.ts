/**
 * The resource tree of one Application (pure): the objects it manages, and below each one what the cluster
 * made from it, found by following owner references DOWN (Deployment → ReplicaSets → Pods, Job → Pods,
 * CronJob → Jobs → Pods, StatefulSet/DaemonSet → Pods, ...). Each node carries its health (src/health, with
 * the pods below it as context, as the status writer and the waits judge it) and, for managed objects, the
 * sync state from the Application's status. What to list in the cluster is decided by `tree-live.ts`.
 */
import type { KubeObject } from '../core/objects.js';
import { groupOf, isRecord, versionOf } from '../core/objects.js';
import { assessHealth } from '../health/index.js';
import type { HealthContext, HealthResult, HealthStatus } from '../health/types.js';

/** The sync state of a managed object, as the Application's status has it. */
export type NodeSync = 'Synced' | 'OutOfSync' | 'Unknown';

/** One object of the tree. */
export interface TreeNode {
  group: string;
  version: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** The live object's uid (absent when the object is not in the cluster). */
  uid?: string;
  /** True for the objects the app manages (its inventory); false for what the cluster made from them. */
  managed: boolean;
  /** Managed objects only. */
  sync?: NodeSync;
  health: HealthStatus;
  /** Why it is not healthy, in words; empty when there is nothing to say. */
  message: string;
  /** Objects whose owner reference names this one (sorted by kind, then name). */
  children: TreeNode[];
  /** How many more children exist than are listed (a Deployment with thousands of pods). */
  truncated?: number;
}

/** A managed object as the Application's status lists it. */
export interface ManagedResource {
  group: string;
  version: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  sync?: NodeSync | undefined;
  health?: HealthStatus | undefined;
  message?: string | undefined;
}

export interface TreeInput {
  /** The app's managed objects (status.resources). */
  managed: readonly ManagedResource[];
  /** Live copy of a managed object (the live cache, else a GET); undefined: not in the cluster. */
  liveOf: (resource: ManagedResource) => KubeObject | undefined;
  /** Objects that may be owned by managed objects (ReplicaSets, Pods, Jobs, ...), found in the cluster. */
  related: readonly KubeObject[];
  /** How one object is judged (default: the built-in rules). */
  assess?: (obj: KubeObject | undefined, context: HealthContext) => HealthResult;
  /** Most children listed under one node (default 200). */
  maxChildren?: number;
}

/** Deepest level of owned objects followed (CronJob → Job → Pod is 2). */
const MAX_DEPTH = 4;

interface OwnerIndex {
  childrenOf: Map<string, KubeObject[]>;
}

function ownerUidsOf(obj: KubeObject): string[] {
  const refs = obj.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter(isRecord).flatMap((r) => (typeof r.uid === 'string' ? [r.uid] : []));
}

function uidOf(obj: KubeObject | undefined): string | undefined {
  const uid = obj?.metadata.uid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

function indexOwners(related: readonly KubeObject[]): OwnerIndex {
  const childrenOf = new Map<string, KubeObject[]>();
  const seen = new Set<string>();
  for (const obj of related) {
    const uid = uidOf(obj);
    // The same object may come from two lists (a Deployment's pods are also its ReplicaSet's).
    if (uid !== undefined) {
      if (seen.has(uid)) continue;
      seen.add(uid);
    }
    for (const owner of ownerUidsOf(obj)) childrenOf.set(owner, [...(childrenOf.get(owner) ?? []), obj]);
  }
  return { childrenOf };
}

function byKindThenName(a: KubeObject, b: KubeObject): number {
  return a.kind === b.kind ? a.metadata.name.localeCompare(b.metadata.name) : a.kind.localeCompare(b.kind);
}

/** Every Pod below `uid` (through ReplicaSets, Jobs, ...), for the health of a workload. */
function podsBelow(uid: string, index: OwnerIndex, depth = 0, visited = new Set<string>()): KubeObject[] {
  if (depth >= MAX_DEPTH || visited.has(uid)) return [];
  visited.add(uid);
  return (index.childrenOf.get(uid) ?? []).flatMap((child) => {
    if (child.kind === 'Pod' && child.apiVersion === 'v1') return [child];
    const childUid = uidOf(child);
    return childUid === undefined ? [] : podsBelow(childUid, index, depth + 1, visited);
  });
}

interface Walk {
  index: OwnerIndex;
  assess: (obj: KubeObject | undefined, context: HealthContext) => HealthResult;
  maxChildren: number;
}

function healthOf(obj: KubeObject, walk: Walk): HealthResult {
  const uid = uidOf(obj);
  const pods = uid === undefined || obj.kind === 'Pod' ? [] : podsBelow(uid, walk.index);
  return walk.assess(obj, pods.length === 0 ? {} : { pods });
}

function childrenOf(
  obj: KubeObject | undefined,
  walk: Walk,
  depth: number,
  path: Set<string>,
): { children: TreeNode[]; truncated: number } {
  const uid = uidOf(obj);
  if (uid === undefined || depth >= MAX_DEPTH || path.has(uid)) return { children: [], truncated: 0 };
  const inner = new Set(path).add(uid);
  // An object already on the way down is not its own descendant (a cycle of owner references).
  const owned = (walk.index.childrenOf.get(uid) ?? [])
    .filter((child) => !inner.has(uidOf(child) ?? ''))
    .sort(byKindThenName);
  const listed = owned.slice(0, walk.maxChildren).map((child) => ownedNode(child, walk, depth + 1, inner));
  return { children: listed, truncated: owned.length - listed.length };
}

function ownedNode(obj: KubeObject, walk: Walk, depth: number, path: Set<string>): TreeNode {
  const health = healthOf(obj, walk);
  const { children, truncated } = childrenOf(obj, walk, depth, path);
  const uid = uidOf(obj);
  return {
    group: groupOf(obj.apiVersion),
    version: versionOf(obj.apiVersion),
    kind: obj.kind,
    ...(obj.metadata.namespace === undefined || obj.metadata.namespace === ''
      ? {}
      : { namespace: obj.metadata.namespace }),
    name: obj.metadata.name,
    ...(uid === undefined ? {} : { uid }),
    managed: false,
    health: health.status,
    message: health.message,
    children,
    ...(truncated > 0 ? { truncated } : {}),
  };
}

function managedNode(resource: ManagedResource, walk: Walk, liveOf: TreeInput['liveOf']): TreeNode {
  const live = liveOf(resource);
  const health = live === undefined ? walk.assess(undefined, {}) : healthOf(live, walk);
  const { children, truncated } = childrenOf(live, walk, 0, new Set());
  const uid = uidOf(live);
  return {
    group: resource.group,
    version: resource.version,
    kind: resource.kind,
    ...(resource.namespace === undefined || resource.namespace === ''
      ? {}
      : { namespace: resource.namespace }),
    name: resource.name,
    ...(uid === undefined ? {} : { uid }),
    managed: true,
    sync: resource.sync ?? 'Unknown',
    health: health.status,
    message: health.message,
    children,
    ...(truncated > 0 ? { truncated } : {}),
  };
}

/**
 * The tree of one app: one root per managed object (in the status' order), with what it owns below it.
 * Health is judged now from the live objects (not copied from status, which may be a reconcile old).
 * Pure: the caller fetched every object.
 */
export function buildTree(input: TreeInput): TreeNode[] {
  const walk: Walk = {
    index: indexOwners(input.related),
    assess: input.assess ?? ((obj, context) => assessHealth(obj, context)),
    maxChildren: Math.max(1, input.maxChildren ?? 200),
  };
  return input.managed.map((resource) => managedNode(resource, walk, input.liveOf));
}

/** Counts the nodes of a tree (every level). Pure. */
export function countNodes(nodes: readonly TreeNode[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countNodes(node.children), 0);
}
