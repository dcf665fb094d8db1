/**
 * KServe (serving.kserve.io): an InferenceService reports Ready plus per-component conditions
 * (PredictorReady, ...) and status.modelStatus (transitionStatus BlockedByFailedLoad / InvalidSpec, with
 * lastFailureInfo); serving runtimes are configuration.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { conditionOf, conditionsOf, explainCondition, stringAt } from '../read.js';
import { isFailureReason } from '../reasons.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, healthyWithoutStatus } from './shared.js';

function modelFailed(obj: KubeObject): HealthResult | undefined {
  const transition = stringAt(obj, ['status', 'modelStatus', 'transitionStatus']);
  if (transition !== 'BlockedByFailedLoad' && transition !== 'InvalidSpec') return undefined;
  const why =
    stringAt(obj, ['status', 'modelStatus', 'lastFailureInfo', 'message']) ??
    stringAt(obj, ['status', 'modelStatus', 'lastFailureInfo', 'reason']);
  return degraded(`model ${transition}${why === undefined ? '' : `: ${why}`}`);
}

/** Ready=False while any component condition names a failure is Degraded; otherwise the rollout goes on. */
function ready(obj: KubeObject): HealthResult {
  const condition = conditionOf(obj, 'Ready');
  if (condition === undefined) return progressing('waiting for a Ready condition');
  if (condition.status === 'True') return healthy();
  const failing = conditionsOf(obj).find(
    (entry) => entry.status === 'False' && isFailureReason(entry.reason),
  );
  if (failing !== undefined) return degraded(`${failing.type} False: ${explainCondition(failing)}`);
  return progressing(`Ready ${condition.status}: ${explainCondition(condition)}`);
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('KServe'),
  (obj) => generationNotObserved(obj, false),
  modelFailed,
  ready,
];

export function assessInferenceService(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}

export function assessServingRuntime(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, healthyWithoutStatus], obj, context);
}
