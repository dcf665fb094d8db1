import { errorMessage, retryClassOf } from '../core/errors.js';
import { mapLimited } from '../core/limit.js';
import { subjectOf } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import { KubeApiError } from '../kube/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ObjectAction, ObjectOutcome, ValidatedObject } from './types.js';

/** What applying a validated object will do, without doing it. */
export function intendedAction(v: ValidatedObject): ObjectAction {
  if (v.planned.options.ignore) return 'skipped';
  if (v.live === undefined) return 'created';
  if (v.planned.options.createOnly) return 'unchanged';
  if (v.recreate === true) return 'recreated';
  if (keepsOthersEdits(v)) return 'unchanged';
  if (v.diff === undefined) return 'configured';
  return v.diff.action === 'unchanged' ? 'unchanged' : 'configured';
}

/**
 * Flux's `kustomize.toolkit.fluxcd.io/ssa: Merge`: an existing object whose apply would have to force
 * fields another manager changed (kubectl edit, scale, patch) is left as it is, unless the object also
 * asks for force (`mooring.dev/force`). The one rule for a full sync and a heal alike. Pure.
 */
export function keepsOthersEdits(v: ValidatedObject): boolean {
  return (
    v.planned.options.mergeWithOtherManagers === true &&
    v.live !== undefined &&
    v.force === true &&
    !v.planned.options.force &&
    v.recreate !== true &&
    v.diff?.action !== 'unchanged'
  );
}

/**
 * Applies objects of one stage with bounded concurrency, writing only those that would change.
 * Each object's result is an outcome; one failure does not stop the others.
 */
export async function applyObjects(
  objects: ObjectsApi,
  batch: ValidatedObject[],
  concurrency: number,
): Promise<ObjectOutcome[]> {
  const results = await mapLimited(batch, concurrency, async (v) => {
    const action = intendedAction(v);
    if (action === 'unchanged' || action === 'skipped') return action;
    if (action === 'recreated' && v.live !== undefined) await deleteAndWait(objects, v);
    await objects.apply(v.planned.object, { force: v.force ?? v.planned.options.force, step: 'apply' });
    return action;
  });
  return results.map((r, i) => {
    const v = batch[i] as ValidatedObject;
    const base = {
      subject: subjectOf(v.planned.ref),
      id: v.planned.id,
      phase: v.planned.phase,
      wave: v.planned.wave,
    };
    if (r.status === 'fulfilled') {
      const drift =
        r.value === 'configured' && v.diff !== undefined && v.diff.drift.length > 0
          ? { drift: v.diff.drift }
          : {};
      return { ...base, action: r.value, ...drift };
    }
    const message =
      r.reason instanceof KubeApiError
        ? `${r.reason.apiMessage} (${r.reason.reason})`
        : errorMessage(r.reason);
    return { ...base, action: 'failed' as const, message, retry: retryClassOf(r.reason) };
  });
}

async function deleteAndWait(objects: ObjectsApi, v: ValidatedObject): Promise<void> {
  const uid = v.live?.metadata.uid;
  await objects.delete(v.planned.object.apiVersion, v.planned.ref, {
    step: 'apply',
    propagation: 'Foreground',
    ...(typeof uid === 'string' ? { uid } : {}),
  });
  await pollUntil(
    async () =>
      (await objects.get(v.planned.object.apiVersion, v.planned.ref)) === undefined ? true : undefined,
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `${subjectOf(v.planned.ref)} to be deleted before it is recreated`,
    },
  );
}
