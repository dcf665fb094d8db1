/**
 * Gathers what the resource tree of one app needs from its destination cluster: the managed objects (from
 * the controller's live cache when it holds them, else one GET each) and what they own. The live cache
 * watches only objects carrying Mooring's tracking label, so ReplicaSets, Pods and Jobs are listed the way
 * the health waits list a workload's pods (`selectedBy`: one LIST per workload selector), then `buildTree`
 * keeps only those whose owner references lead up to a managed object.
 */
import { selectedBy } from '../apply/health-check.js';
import { mapLimited } from '../core/limit.js';
import type { KubeObject } from '../core/objects.js';
import { objectId } from '../core/objects.js';
import type { HealthContext, HealthResult } from '../health/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ManagedResource, TreeNode } from './tree.js';
import { buildTree } from './tree.js';

/** What each managed kind may own, and how to list it (by the workload's own selector). */
const OWNED_KINDS: Record<string, { apiVersion: string; kind: string }[]> = {
  'apps/Deployment': [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
    { apiVersion: 'v1', kind: 'Pod' },
  ],
  'apps/ReplicaSet': [{ apiVersion: 'v1', kind: 'Pod' }],
  'apps/StatefulSet': [{ apiVersion: 'v1', kind: 'Pod' }],
  'apps/DaemonSet': [{ apiVersion: 'v1', kind: 'Pod' }],
  'batch/Job': [{ apiVersion: 'v1', kind: 'Pod' }],
};

export interface TreeSource {
  /** The destination cluster's connection (reads only). */
  objects: ObjectsApi;
  /** The controller's live cache of that cluster, by inventory id; undefined when it has no copy. */
  cached?: (id: string) => KubeObject | undefined;
  /** How one object is judged (the app's custom checks in front of the built-in rules). */
  assess?: (obj: KubeObject | undefined, context: HealthContext) => HealthResult;
  concurrency?: number;
}

const apiVersionOf = (r: ManagedResource): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);
const refOfResource = (r: ManagedResource) => ({
  group: r.group,
  kind: r.kind,
  namespace: r.namespace ?? '',
  name: r.name,
});

async function liveManaged(
  source: TreeSource,
  managed: readonly ManagedResource[],
): Promise<Map<ManagedResource, KubeObject>> {
  const found = new Map<ManagedResource, KubeObject>();
  const results = await mapLimited([...managed], source.concurrency ?? 8, async (resource) => {
    const ref = refOfResource(resource);
    return source.cached?.(objectId(ref)) ?? (await source.objects.get(apiVersionOf(resource), ref));
  });
  results.forEach((result, i) => {
    const resource = managed[i];
    if (resource !== undefined && result.status === 'fulfilled' && result.value !== undefined)
      found.set(resource, result.value);
  });
  return found;
}

/** The objects the workloads may own, one LIST per (workload, owned kind); a CronJob's Jobs, then their pods. */
async function relatedObjects(source: TreeSource, workloads: KubeObject[]): Promise<KubeObject[]> {
  const lists: { owner: KubeObject; apiVersion: string; kind: string }[] = workloads.flatMap((owner) =>
    (OWNED_KINDS[`${groupOfVersion(owner.apiVersion)}/${owner.kind}`] ?? []).map((k) => ({ owner, ...k })),
  );
  const results = await mapLimited(lists, source.concurrency ?? 8, (l) =>
    selectedBy(source.objects, l.owner, l.apiVersion, l.kind),
  );
  const related = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  const cronJobs = workloads.filter((w) => w.kind === 'CronJob' && groupOfVersion(w.apiVersion) === 'batch');
  if (cronJobs.length === 0) return related;
  // A CronJob has no selector: its Jobs are listed per namespace and kept by owner reference.
  const namespaces = [...new Set(cronJobs.map((c) => c.metadata.namespace ?? 'default'))];
  const uids = new Set(cronJobs.map((c) => c.metadata.uid));
  const jobs = (
    await mapLimited(namespaces, source.concurrency ?? 8, (namespace) =>
      source.objects.list('batch/v1', 'Job', { namespace }),
    )
  )
    .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    .filter((job) => ownerUids(job).some((uid) => uids.has(uid)));
  const pods = await mapLimited(jobs, source.concurrency ?? 8, (job) =>
    selectedBy(source.objects, job, 'v1', 'Pod'),
  );
  return [...related, ...jobs, ...pods.flatMap((r) => (r.status === 'fulfilled' ? r.value : []))];
}

function groupOfVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function ownerUids(obj: KubeObject): unknown[] {
  const refs = obj.metadata.ownerReferences;
  return Array.isArray(refs) ? refs.map((r: unknown) => (r as { uid?: unknown }).uid) : [];
}

/** The resource tree of an app whose status lists `managed`. */
export async function liveTree(source: TreeSource, managed: readonly ManagedResource[]): Promise<TreeNode[]> {
  const live = await liveManaged(source, managed);
  const related = await relatedObjects(source, [...live.values()]);
  return buildTree({
    managed,
    liveOf: (resource) => live.get(resource),
    related,
    ...(source.assess === undefined ? {} : { assess: source.assess }),
  });
}
