/** Health of apps/v1 DaemonSet: desired, updated and available pod numbers across nodes. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, workloadGenerationObserved } from './common.js';
import { numberAt, stringAt } from './read.js';
import { countOf, healthy, runCascade } from './result.js';
import type { HealthCheck, HealthContext, HealthResult } from './types.js';
import { podsReady, unfinishedRollout } from './workload.js';

const desiredOf = (obj: KubeObject): number => numberAt(obj, ['status', 'desiredNumberScheduled']) ?? 0;

function podsNotUpdated(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  // OnDelete leaves old pods running until someone deletes them: not something to wait for.
  if (stringAt(obj, ['spec', 'updateStrategy', 'type']) === 'OnDelete') return undefined;
  const desired = desiredOf(obj);
  const updated = numberAt(obj, ['status', 'updatedNumberScheduled']) ?? 0;
  if (updated >= desired) return undefined;
  const message = `waiting for rollout: ${updated} of ${desired} pods updated`;
  return unfinishedRollout(message, message, context);
}

function podsNotAvailable(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const desired = desiredOf(obj);
  const available = numberAt(obj, ['status', 'numberAvailable']) ?? 0;
  if (available >= desired) return undefined;
  const ready = numberAt(obj, ['status', 'numberReady']) ?? 0;
  const message = `waiting for rollout: ${available} of ${desired} pods available`;
  return unfinishedRollout(message, podsReady(ready, desired), context);
}

function misscheduled(obj: KubeObject): HealthResult | undefined {
  const count = numberAt(obj, ['status', 'numberMisscheduled']) ?? 0;
  // Pods left on nodes the selector no longer matches are removed by the controller; report, do not wait.
  return count > 0 ? healthy(`${countOf(count, 'pod')} running on nodes that no longer match`) : undefined;
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  workloadGenerationObserved,
  podsNotUpdated,
  podsNotAvailable,
  misscheduled,
];

export function assessDaemonSet(obj: KubeObject, context: HealthContext): HealthResult {
  return runCascade(checks, obj, context);
}
