/** Checks shared by several kinds: deletion in progress, spec not yet observed by the controller. */
import type { KubeObject } from '../core/objects.js';
import { progressing } from './result.js';
import { conditionsOf, numberAt, stringAt } from './read.js';
import type { HealthResult } from './types.js';

/** An object with a deletionTimestamp is on its way out (finalizers may still hold it). */
export function beingDeleted(obj: KubeObject): HealthResult | undefined {
  const deletedAt = stringAt(obj, ['metadata', 'deletionTimestamp']);
  return deletedAt === undefined ? undefined : progressing(`being deleted since ${deletedAt}`);
}

/**
 * Progressing while status.observedGeneration is behind metadata.generation: the counts in status still
 * describe the previous spec. With `requireObserved`, a missing observedGeneration counts as behind
 * (built-in workload controllers always write it); without, it means the kind does not report one.
 */
export function generationNotObserved(obj: KubeObject, requireObserved: boolean): HealthResult | undefined {
  const generation = numberAt(obj, ['metadata', 'generation']);
  if (generation === undefined) return undefined;
  const observed = numberAt(obj, ['status', 'observedGeneration']);
  if (observed === undefined) {
    return requireObserved
      ? progressing(`waiting for the controller to observe generation ${generation}`)
      : undefined;
  }
  if (observed >= generation) return undefined;
  return progressing(`waiting for the controller to observe generation ${generation} (observed ${observed})`);
}

/** Check for kinds whose controller always reports observedGeneration (Deployment, StatefulSet, ...). */
export const workloadGenerationObserved = (obj: KubeObject): HealthResult | undefined =>
  generationNotObserved(obj, true);

/** Summary conditions whose observedGeneration, when written, must match the object's generation to count. */
const SUMMARY_CONDITION_TYPES = ['Ready', 'Available', 'Stalled', 'Reconciling', 'Synced', 'Healthy'];

/**
 * Progressing while a summary condition describes an older generation than metadata.generation: the
 * controller has not judged the current spec yet, so its Ready/Stalled verdict is about the previous one.
 */
export function staleConditions(obj: KubeObject): HealthResult | undefined {
  const generation = numberAt(obj, ['metadata', 'generation']);
  if (generation === undefined) return undefined;
  const stale = conditionsOf(obj).find(
    (condition) =>
      SUMMARY_CONDITION_TYPES.includes(condition.type) &&
      condition.observedGeneration !== undefined &&
      condition.observedGeneration < generation,
  );
  if (stale === undefined) return undefined;
  return progressing(
    `waiting for the controller to observe generation ${generation} (condition ${stale.type} describes ${stale.observedGeneration})`,
  );
}
