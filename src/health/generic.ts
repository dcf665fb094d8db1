/**
 * Health of kinds without their own rules (custom resources and the rest), from the conventions most
 * controllers follow: spec.suspend, observedGeneration, and the Stalled / Reconciling / Ready / Available
 * conditions (kstatus and Flux style).
 */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, generationNotObserved } from './common.js';
import { type Condition, conditionOf, explainCondition, isTrueAt } from './read.js';
import { degraded, healthy, progressing, runCascade, suspended } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

/** Flux and others pause reconciliation with spec.suspend: true. */
function suspendedBySpec(obj: KubeObject): HealthResult | undefined {
  return isTrueAt(obj, ['spec', 'suspend'])
    ? suspended('reconciliation suspended (spec.suspend)')
    : undefined;
}

function stalled(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Stalled');
  return condition?.status === 'True' ? degraded(`stalled: ${explainCondition(condition)}`) : undefined;
}

function reconciling(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Reconciling');
  return condition?.status === 'True'
    ? progressing(`reconciling: ${explainCondition(condition)}`)
    : undefined;
}

/**
 * Reasons of a False Ready/Available condition that describe work under way rather than a failure
 * (Flux "Progressing", cert-manager "Issuing", Crossplane "Creating", ...). Anything else is a failure.
 */
const IN_PROGRESS_REASON =
  /progress|pending|waiting|creating|issuing|reconcil|initiali[sz]|provision|dependencynotready|updating|scaling|starting/i;

/** Conditions some controllers set True while they work, next to a False Ready (cert-manager's Issuing). */
const WORK_UNDER_WAY_TYPES = ['Issuing', 'Progressing'];

function fromCondition(obj: KubeObject, condition: Condition | undefined): HealthResult | undefined {
  if (condition === undefined) return undefined;
  if (condition.status === 'True') return healthy();
  const explanation = explainCondition(condition);
  const label = `${condition.type} ${condition.status}`;
  const message = explanation === '' ? label : `${label}: ${explanation}`;
  const underWay =
    condition.status !== 'False' ||
    IN_PROGRESS_REASON.test(condition.reason) ||
    WORK_UNDER_WAY_TYPES.some((type) => conditionOf(obj, type)?.status === 'True');
  return underWay ? progressing(message) : degraded(message);
}

/** Ready wins over Available when both exist: it is the summary condition by convention. */
function readyOrAvailable(obj: KubeObject): HealthResult | undefined {
  return fromCondition(obj, conditionOf(obj, 'Ready')) ?? fromCondition(obj, conditionOf(obj, 'Available'));
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  (obj) => generationNotObserved(obj, false),
  stalled,
  reconciling,
  readyOrAvailable,
  // No status, or none of the conditions above: nothing that says there is something to wait for.
];

export function assessGeneric(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
