/**
 * The step machine of a canary: from the rollout's state, what was observed and the time, the next action.
 * Pure: the runner (rollout.ts) gathers the observations and performs the action. Called first without a
 * check; when it answers `need-check` the runner queries Prometheus and the webhooks and calls it again.
 */
import { durationMs } from '../crd/common.js';
import type { DeliverySpec } from '../crd/delivery.js';
import type { CheckVerdict, MetricVerdict } from './analysis.js';

export interface RolloutState {
  /** The commit being rolled out. */
  revision: string;
  /** The commit the stable version came from: what an abort reverts the app's folder to. */
  stableRevision?: string | undefined;
  step: number;
  stepStartedAt: number;
  failedChecks: number;
  lastCheckAt?: number | undefined;
}

export type CanaryHealth =
  { kind: 'ready' } | { kind: 'progressing'; message: string } | { kind: 'failed'; message: string };

export interface Gate {
  passed: boolean;
  message: string;
}

export interface Observation {
  canary: CanaryHealth;
  /** `mooring promote` / `mooring abort` asked since the last decision. */
  manual?: 'promote' | 'abort' | undefined;
  check?: CheckVerdict | undefined;
  /** The step's `rollout` webhooks (absent: none configured). */
  stepGate?: Gate | undefined;
  /** `confirm-promotion` webhooks, asked at the last step only (absent: none configured). */
  confirmGate?: Gate | undefined;
}

export type Action =
  | { kind: 'wait'; delayMs: number; message: string }
  | { kind: 'need-check' }
  | { kind: 'set-step'; step: number; weight: number; message: string }
  | { kind: 'promote'; message: string }
  | { kind: 'abort'; message: string; metrics: MetricVerdict[] };

export interface Decision {
  state: RolloutState;
  action: Action;
}

/** The weights of a delivery, in order (blue-green: one step at 0% of users, then the switch). */
export function weightsOf(spec: DeliverySpec): number[] {
  return spec.canary === undefined ? [0] : spec.canary.steps.map((s) => s.weight);
}

function pauseOf(spec: DeliverySpec, step: number): number {
  return durationMs(spec.canary?.steps[step]?.pause ?? '0s');
}

export function decideRollout(
  spec: DeliverySpec,
  state: RolloutState,
  seen: Observation,
  now: number,
): Decision {
  const interval = durationMs(spec.analysis.interval);
  const stay = (delayMs: number, message: string, next: RolloutState = state): Decision => ({
    state: next,
    action: { kind: 'wait', delayMs: Math.max(1, delayMs), message },
  });
  if (seen.manual === 'abort')
    return { state, action: { kind: 'abort', message: 'aborted with mooring abort', metrics: [] } };
  if (seen.manual === 'promote')
    return { state, action: { kind: 'promote', message: 'promoted with mooring promote' } };
  if (seen.canary.kind === 'failed')
    return {
      state,
      action: { kind: 'abort', message: `canary failed: ${seen.canary.message}`, metrics: [] },
    };
  if (seen.canary.kind === 'progressing')
    return stay(Math.min(interval, 5000), `waiting for the canary: ${seen.canary.message}`);
  const pauseEnds = state.stepStartedAt + pauseOf(spec, state.step);
  if (now < pauseEnds) return stay(pauseEnds - now, `step ${state.step + 1} paused`);
  // A check judges one interval of traffic, all of it at this step's weight: never sooner than one interval
  // into the step (the window would still hold the previous step's, or a previous canary's, requests).
  const nextCheck = (state.lastCheckAt ?? state.stepStartedAt) + interval;
  if (now < nextCheck)
    return stay(
      nextCheck - now,
      `next check of step ${state.step + 1} in ${Math.ceil((nextCheck - now) / 1000)}s`,
    );
  if (seen.check === undefined) return { state, action: { kind: 'need-check' } };
  const checked: RolloutState = { ...state, lastCheckAt: now };
  const check = seen.check;
  if (check.kind === 'fail') {
    const failedChecks = state.failedChecks + 1;
    if (failedChecks > spec.analysis.failureLimit)
      return {
        state: { ...checked, failedChecks },
        action: { kind: 'abort', message: check.message, metrics: check.metrics },
      };
    return stay(
      interval,
      `${check.message} (${failedChecks} of ${spec.analysis.failureLimit} failures tolerated)`,
      {
        ...checked,
        failedChecks,
      },
    );
  }
  if (check.kind === 'wait') return stay(interval, check.message, checked);
  if (seen.stepGate !== undefined && !seen.stepGate.passed)
    return stay(interval, seen.stepGate.message, checked);
  const weights = weightsOf(spec);
  const nextStep = state.step + 1;
  if (nextStep < weights.length)
    return {
      state: { ...checked, step: nextStep, stepStartedAt: now, lastCheckAt: undefined },
      action: {
        kind: 'set-step',
        step: nextStep,
        weight: weights[nextStep] ?? 100,
        message: `${check.message}; step ${nextStep + 1} of ${weights.length}: ${weights[nextStep] ?? 100}%`,
      },
    };
  if (seen.confirmGate !== undefined && !seen.confirmGate.passed)
    return stay(interval, `promotion held: ${seen.confirmGate.message}`, checked);
  return { state: checked, action: { kind: 'promote', message: `${check.message}; promoting` } };
}

/**
 * Replicas of the stable and the canary at `weight` percent of `total`: the canary gets at least one pod at
 * any weight above 0, the stable keeps at least one below 100.
 */
export function splitReplicas(total: number, weight: number): { stable: number; canary: number } {
  const n = Math.max(1, total);
  if (weight <= 0) return { stable: n, canary: 0 };
  if (weight >= 100) return { stable: 0, canary: n };
  // One replica cannot be split: the canary runs beside it (half the traffic) until promotion.
  if (n === 1) return { stable: 1, canary: 1 };
  const canary = Math.min(n - 1, Math.max(1, Math.round((n * weight) / 100)));
  return { stable: n - canary, canary };
}
