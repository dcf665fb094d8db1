/** Health of apps/v1 Deployment: paused, spec observed, progress deadline, replica counts of the rollout. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, workloadGenerationObserved } from './common.js';
import { conditionOf, explainCondition, isTrueAt, numberAt } from './read.js';
import { describePodIssues } from './pods.js';
import { countOf, degraded, joinParts, runCascade, suspended } from './result.js';
import type { HealthCheck, HealthContext, HealthResult } from './types.js';
import { podsReady, unfinishedRollout } from './workload.js';

function paused(obj: KubeObject): HealthResult | undefined {
  return isTrueAt(obj, ['spec', 'paused']) ? suspended('rollout paused (spec.paused)') : undefined;
}

function progressDeadlineExceeded(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const condition = conditionOf(obj, 'Progressing');
  if (condition?.status !== 'False' || condition.reason !== 'ProgressDeadlineExceeded') return undefined;
  // Degraded whatever the pods show; they only say what holds the rollout up.
  const pods = describePodIssues(context.pods ?? []);
  return degraded(joinParts(`rollout exceeded its progress deadline: ${condition.message}`, pods.text));
}

function replicaFailure(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'ReplicaFailure');
  return condition?.status === 'True'
    ? degraded(`cannot create pods: ${explainCondition(condition)}`)
    : undefined;
}

/** The same order of questions as `kubectl rollout status`. */
function rolloutIncomplete(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const desired = numberAt(obj, ['spec', 'replicas']) ?? 1;
  const total = numberAt(obj, ['status', 'replicas']) ?? 0;
  const updated = numberAt(obj, ['status', 'updatedReplicas']) ?? 0;
  const available = numberAt(obj, ['status', 'availableReplicas']) ?? 0;
  const ready = numberAt(obj, ['status', 'readyReplicas']) ?? 0;
  if (updated < desired) {
    const message = `waiting for rollout: ${updated} of ${desired} replicas updated`;
    return unfinishedRollout(message, message, context);
  }
  if (total > updated) {
    const message = `waiting for rollout: ${countOf(total - updated, 'old replica')} pending termination`;
    return unfinishedRollout(message, message, context);
  }
  if (available < updated) {
    const message = `waiting for rollout: ${available} of ${updated} updated replicas available`;
    return unfinishedRollout(message, podsReady(ready, desired), context);
  }
  return undefined;
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  paused,
  workloadGenerationObserved,
  progressDeadlineExceeded,
  replicaFailure,
  rolloutIncomplete,
];

export function assessDeployment(obj: KubeObject, context: HealthContext): HealthResult {
  return runCascade(checks, obj, context);
}
