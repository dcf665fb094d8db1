/**
 * KEDA (keda.sh): ScaledObject and ScaledJob report Ready, Active, Fallback and Paused conditions;
 * TriggerAuthentication and ClusterTriggerAuthentication are configuration (no status).
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, staleConditions } from '../common.js';
import { conditionOf } from '../read.js';
import { progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, healthyWithoutStatus, readyStrict, whenCondition } from './shared.js';

const scaledChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('KEDA'),
  staleConditions,
  // The autoscaling.keda.sh/paused annotation; KEDA confirms it with Paused=True.
  whenCondition('Paused', 'True', 'Suspended', 'autoscaling paused'),
  // Fallback=True: the scaler keeps failing and KEDA holds the fallback replica count, even while Ready.
  whenCondition('Fallback', 'True', 'Degraded', 'scaler failing, fallback replicas in use'),
  readyStrict,
  // Only a Running condition so far: KEDA is still creating the HPA or the Job template.
  (obj) =>
    conditionOf(obj, 'Ready') === undefined ? progressing('waiting for KEDA to report Ready') : undefined,
];

/** ScaledObject and ScaledJob. */
export function assessScaled(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(scaledChecks, obj, context);
}

export function assessTriggerAuthentication(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, healthyWithoutStatus], obj, context);
}
