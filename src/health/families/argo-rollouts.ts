/**
 * Argo Rollouts (argoproj.io): Rollout, AnalysisRun, Experiment, from the status the Rollouts controller
 * documents: status.phase (Healthy/Progressing/Paused/Degraded) with status.message, pause conditions,
 * abort, InvalidSpec; analysis and experiment phases (Pending/Running/Successful/Failed/Error/Inconclusive).
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { conditionOf, isTrueAt, numberAt, recordsAt, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade, suspended, unknown } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController } from './shared.js';

/** InvalidSpec never goes away by itself; old controllers wrote its status as a boolean, hence "not False". */
function invalidSpec(obj: KubeObject): HealthResult | undefined {
  const entry = recordsAt(obj, ['status', 'conditions']).find(
    (condition) => condition.type === 'InvalidSpec',
  );
  if (entry === undefined || entry.status === 'False' || entry.status === false) return undefined;
  const message = typeof entry.message === 'string' ? entry.message : '';
  return degraded(message === '' ? 'invalid spec' : `invalid spec: ${message}`);
}

/** Blue-green before Rollouts 1.0: the preview Service serves the new pods and waits to be promoted. */
function verifyingPreview(obj: KubeObject): HealthResult | undefined {
  return isTrueAt(obj, ['status', 'verifyingPreview'])
    ? suspended('blue-green preview serves the new version, waiting for promotion')
    : undefined;
}

function pausedBySpec(obj: KubeObject): HealthResult | undefined {
  return isTrueAt(obj, ['spec', 'paused']) ? suspended('rollout paused (spec.paused)') : undefined;
}

function aborted(obj: KubeObject): HealthResult | undefined {
  if (!isTrueAt(obj, ['status', 'abort'])) return undefined;
  const message = stringAt(obj, ['status', 'message']);
  return degraded(
    message === undefined || message === '' ? 'rollout aborted' : `rollout aborted: ${message}`,
  );
}

/** Rollouts writes observedGeneration as a string ("5"); older versions wrote a hash, which cannot be compared. */
function generationObserved(obj: KubeObject): HealthResult | undefined {
  const generation = numberAt(obj, ['metadata', 'generation']);
  const observedText = stringAt(obj, ['status', 'observedGeneration']);
  const observed = numberAt(obj, ['status', 'observedGeneration']) ?? Number(observedText ?? 'NaN');
  if (generation === undefined || !Number.isInteger(observed) || observed >= generation) return undefined;
  return progressing(`waiting for the rollout controller to observe generation ${generation}`);
}

function pausedAtStep(obj: KubeObject): HealthResult | undefined {
  const reasons = recordsAt(obj, ['status', 'pauseConditions'])
    .map((entry) => stringAt(entry, ['reason']))
    .filter((reason): reason is string => reason !== undefined);
  if (reasons.length === 0 && !isTrueAt(obj, ['status', 'controllerPause'])) return undefined;
  return suspended(reasons.length === 0 ? 'rollout paused' : `rollout paused: ${reasons.join(', ')}`);
}

function deadlineExceeded(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Progressing');
  if (condition?.status !== 'False' || condition.reason !== 'ProgressDeadlineExceeded') return undefined;
  return degraded(`rollout exceeded its progress deadline: ${condition.message}`);
}

function rolloutPhase(obj: KubeObject): HealthResult | undefined {
  const phase = stringAt(obj, ['status', 'phase']) ?? '';
  const message = stringAt(obj, ['status', 'message']) ?? '';
  const text = message === '' ? `rollout ${phase}` : `rollout ${phase}: ${message}`;
  switch (phase) {
    case 'Healthy':
      return healthy(message);
    case 'Progressing':
      return progressing(text);
    case 'Paused':
      return suspended(text);
    case 'Degraded':
      return degraded(text);
    default:
      return undefined;
  }
}

/** Before status.phase existed (Rollouts < 1.0): the replica counts, as for a Deployment. */
function replicaCounts(obj: KubeObject): HealthResult | undefined {
  const desired = numberAt(obj, ['spec', 'replicas']) ?? 1;
  const updated = numberAt(obj, ['status', 'updatedReplicas']) ?? 0;
  const total = numberAt(obj, ['status', 'replicas']) ?? 0;
  const available = numberAt(obj, ['status', 'availableReplicas']) ?? 0;
  if (updated < desired) return progressing(`waiting for rollout: ${updated} of ${desired} replicas updated`);
  if (total > updated) return progressing('waiting for rollout: old replicas pending termination');
  if (available < updated)
    return progressing(`waiting for rollout: ${available} of ${updated} updated replicas available`);
  return undefined;
}

const rolloutChecks: readonly HealthCheck[] = [
  beingDeleted,
  invalidSpec,
  awaitingController('the Argo Rollouts controller'),
  pausedBySpec,
  aborted,
  generationObserved,
  pausedAtStep,
  deadlineExceeded,
  rolloutPhase,
  verifyingPreview,
  replicaCounts,
];

export function assessRollout(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(rolloutChecks, obj, context);
}

/** AnalysisRun and Experiment share their phases. */
function runPhase(what: string): HealthCheck {
  return (obj) => {
    // Rollouts before 0.6 wrote status.status instead of status.phase.
    const phase = stringAt(obj, ['status', 'phase']) ?? stringAt(obj, ['status', 'status']);
    if (phase === undefined || phase === '') return progressing(`waiting for the ${what} to start`);
    const message = stringAt(obj, ['status', 'message']) ?? '';
    const text = message === '' ? `${what} ${phase}` : `${what} ${phase}: ${message}`;
    switch (phase) {
      case 'Pending':
      case 'Running':
        return progressing(text);
      case 'Successful':
        return healthy(message);
      case 'Failed':
      case 'Error':
        return degraded(text);
      case 'Inconclusive':
        return unknown(`${text} (a person decides: promote or abort)`);
      default:
        return unknown(`${what} phase ${phase}`);
    }
  };
}

export function assessAnalysisRun(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, runPhase('analysis')], obj, context);
}

export function assessExperiment(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, runPhase('experiment')], obj, context);
}
