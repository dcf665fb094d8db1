/**
 * Health of kinds without their own rules (custom resources and the rest), from the conventions most
 * controllers follow (kstatus, Flux, Crossplane, cert-manager): spec.suspend / spec.paused, observedGeneration
 * on the status and on each condition, failure conditions, Reconciling, Ready / Available read with
 * whole-word reasons, status.phase / status.state, and a status still to come when the CRD declares one.
 */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, generationNotObserved, staleConditions } from './common.js';
import { awaitingStatus } from './status-subresource.js';
import { type Condition, conditionOf, conditionsOf, explainCondition, isTrueAt, stringAt } from './read.js';
import { isProgressReason, phaseVerdict } from './reasons.js';
import { degraded, healthy, progressing, runCascade, suspended } from './result.js';
import type { HealthCheck, HealthContext, HealthResult } from './types.js';

/** Flux and others pause reconciliation with spec.suspend: true; Cluster API, Rollouts and others with spec.paused. */
export function suspendedBySpec(obj: KubeObject): HealthResult | undefined {
  if (isTrueAt(obj, ['spec', 'suspend'])) return suspended('reconciliation suspended (spec.suspend)');
  if (isTrueAt(obj, ['spec', 'paused'])) return suspended('reconciliation paused (spec.paused)');
  return undefined;
}

/**
 * Condition types that say, when True, that the object failed and will not recover without a change
 * (kstatus Stalled, Argo Rollouts InvalidSpec, Cluster API / KServe Failed, Knative-style SpecError).
 */
export const FAILURE_CONDITION_TYPES: readonly string[] = [
  'Stalled',
  'Failed',
  'Failure',
  'Invalid',
  'InvalidSpec',
  'SpecError',
];

export function failureCondition(obj: KubeObject): HealthResult | undefined {
  const condition = conditionsOf(obj).find(
    (entry) => entry.status === 'True' && FAILURE_CONDITION_TYPES.includes(entry.type),
  );
  if (condition === undefined) return undefined;
  const explanation = explainCondition(condition);
  const label = condition.type === 'Stalled' ? 'stalled' : `${condition.type} True`;
  return degraded(explanation === '' ? label : `${label}: ${explanation}`);
}

/** Crossplane: Synced=False means the last reconcile against the external API failed (ReconcileError). */
export function syncFailed(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Synced');
  if (condition?.status !== 'False') return undefined;
  const explanation = explainCondition(condition);
  return degraded(explanation === '' ? 'Synced False' : `Synced False: ${explanation}`);
}

export function reconciling(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Reconciling');
  return condition?.status === 'True'
    ? progressing(`reconciling: ${explainCondition(condition)}`)
    : undefined;
}

/** Conditions some controllers set True while they work, next to a False Ready (cert-manager's Issuing). */
const WORK_UNDER_WAY_TYPES = ['Issuing', 'Progressing'];

/**
 * The verdict of a summary condition: True is Healthy; Unknown, or False for a reason that names work
 * under way (whole words: "Creating", "DependencyNotReady", not "ProgressDeadlineExceeded"), is Progressing;
 * False for any other reason is Degraded.
 */
export function fromCondition(obj: KubeObject, condition: Condition | undefined): HealthResult | undefined {
  if (condition === undefined) return undefined;
  if (condition.status === 'True') return healthy();
  const explanation = explainCondition(condition);
  const label = `${condition.type} ${condition.status}`;
  const message = explanation === '' ? label : `${label}: ${explanation}`;
  const underWay =
    condition.status !== 'False' ||
    isProgressReason(condition.reason) ||
    WORK_UNDER_WAY_TYPES.some((type) => conditionOf(obj, type)?.status === 'True');
  return underWay ? progressing(message) : degraded(message);
}

/** Ready wins over Available when both exist: it is the summary condition by convention. */
export function readyOrAvailable(obj: KubeObject): HealthResult | undefined {
  return fromCondition(obj, conditionOf(obj, 'Ready')) ?? fromCondition(obj, conditionOf(obj, 'Available'));
}

/**
 * status.phase, then status.state, read by convention: Failed/Error → Degraded; Pending/Running/Progressing →
 * Progressing; Succeeded/Completed/Ready/Active/Available → Healthy. Unknown values decide nothing.
 */
export function phaseOrState(obj: KubeObject): HealthResult | undefined {
  for (const field of ['phase', 'state']) {
    const value = stringAt(obj, ['status', field]);
    if (value === undefined || value === '') continue;
    const verdict = phaseVerdict(value);
    if (verdict === undefined) continue;
    const why = stringAt(obj, ['status', 'message']) ?? stringAt(obj, ['status', 'reason']);
    const message = why === undefined || why === '' ? `${field} ${value}` : `${field} ${value}: ${why}`;
    switch (verdict) {
      case 'failed':
        return degraded(message);
      case 'working':
        return progressing(message);
      case 'done':
        return healthy();
    }
  }
  return undefined;
}

/**
 * The conventional cascade, shared with family rules that only add checks in front of it:
 * deletion, suspension, staleness, failures, work under way, summary conditions, phase, missing status.
 */
export const GENERIC_CHECKS: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  (obj) => generationNotObserved(obj, false),
  staleConditions,
  failureCondition,
  syncFailed,
  reconciling,
  readyOrAvailable,
  phaseOrState,
  awaitingStatus,
  // None of the above: nothing says there is something to wait for.
];

export function assessGeneric(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(GENERIC_CHECKS, obj, context);
}
