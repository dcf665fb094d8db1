/** Health of apps/v1 ReplicaSet: pod creation failures, then available replicas. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, workloadGenerationObserved } from './common.js';
import { conditionOf, explainCondition, numberAt } from './read.js';
import { degraded, runCascade } from './result.js';
import type { HealthCheck, HealthContext, HealthResult } from './types.js';
import { podsReady, unfinishedRollout } from './workload.js';

function replicaFailure(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'ReplicaFailure');
  return condition?.status === 'True'
    ? degraded(`cannot create pods: ${explainCondition(condition)}`)
    : undefined;
}

function replicasNotAvailable(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const desired = numberAt(obj, ['spec', 'replicas']) ?? 1;
  const available = numberAt(obj, ['status', 'availableReplicas']) ?? 0;
  if (available >= desired) return undefined;
  const ready = numberAt(obj, ['status', 'readyReplicas']) ?? 0;
  return unfinishedRollout(
    `waiting for replicas: ${available} of ${desired} available`,
    podsReady(ready, desired),
    context,
  );
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  workloadGenerationObserved,
  replicaFailure,
  replicasNotAvailable,
];

export function assessReplicaSet(obj: KubeObject, context: HealthContext): HealthResult {
  return runCascade(checks, obj, context);
}
