/**
 * Mooring's own Application (mooring.dev): spec.suspend, Stalled (a terminal failure waiting for a new
 * commit), then the verdict the controller wrote in status.health, and Reconciling while a sync runs.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { failureCondition, reconciling, suspendedBySpec } from '../generic.js';
import { stringAt } from '../read.js';
import { runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, healthStatusValue, verdictOf } from './shared.js';

function reportedHealth(obj: KubeObject): HealthResult | undefined {
  const status = healthStatusValue(stringAt(obj, ['status', 'health', 'status']));
  if (status === undefined) return undefined;
  const message =
    stringAt(obj, ['status', 'health', 'message']) ?? stringAt(obj, ['status', 'summary']) ?? '';
  return verdictOf(status, message);
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  awaitingController('the Mooring controller'),
  (obj) => generationNotObserved(obj, false),
  failureCondition,
  reportedHealth,
  reconciling,
];

export function assessMooringApplication(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}
