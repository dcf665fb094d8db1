import type { KubeObject } from '../core/objects.js';
import { objectId, refOf } from '../core/objects.js';
import { mapLimited } from '../core/limit.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { PlannedObject } from '../plan/types.js';

/**
 * The live counterparts of planned objects, by id. One LIST per (apiVersion, kind, namespace) rather than
 * one GET per object: a thousand objects cost a handful of requests. Kinds the cluster does not serve yet
 * (a CRD created by this sync) have no live objects.
 */
export async function fetchLive(
  objects: ObjectsApi,
  planned: PlannedObject[],
  concurrency = 8,
): Promise<Map<string, KubeObject>> {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace: string }>();
  for (const p of planned) {
    // A hook the server names has no live counterpart: each sync creates a fresh one.
    if (p.generateName !== undefined) continue;
    const key = `${p.object.apiVersion}|${p.ref.kind}|${p.ref.namespace}`;
    groups.set(key, { apiVersion: p.object.apiVersion, kind: p.ref.kind, namespace: p.ref.namespace });
  }
  const live = new Map<string, KubeObject>();
  const wanted = new Set(planned.map((p) => p.id));
  const results = await mapLimited([...groups.values()], concurrency, async (g) => {
    if ((await objects.discovery.lookup(g.apiVersion, g.kind)) === undefined) return [];
    return objects.list(g.apiVersion, g.kind, g.namespace === '' ? {} : { namespace: g.namespace });
  });
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
    for (const obj of result.value) {
      const id = objectId(refOf(obj));
      if (wanted.has(id)) live.set(id, obj);
    }
  }
  return live;
}
