/** Checks shared by several kinds: deletion in progress, spec not yet observed by the controller. */
import type { KubeObject } from '../core/objects.js';
import { progressing } from './result.js';
import { numberAt, stringAt } from './read.js';
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
