/**
 * Resuming a rollout after a controller restart (or a new leader): the rollout's memory is gone, but
 * status.delivery keeps what matters — the commit and template hash being rolled out, the commit of the
 * stable, the step and its weight, failed checks so far and when the step started. The first sync of the new
 * controller rebuilds the rollout from it before the hold-back decides, so the stable keeps the step's share
 * and the canary its weight: traffic never goes back to the first step. Pure.
 */
import type { DeliveryStatus } from '../crd/delivery.js';
import type { ActiveRollout } from './runner.js';

/** Phases of a rollout still running (the others ended it). */
const RUNNING: ReadonlySet<string> = new Set(['Progressing', 'Waiting', 'Promoting']);

/**
 * The rollout status.delivery describes, if one was running when it was written; `template` and `total` are
 * the target's pod template and replicas as Git has them now (the template matters only when its hash is the
 * one status names: otherwise the sync starts a new rollout from the hold-back's template).
 */
export function resumeFromStatus(
  status: DeliveryStatus | undefined,
  template: Record<string, unknown>,
  total: number,
): ActiveRollout | undefined {
  if (status?.phase === undefined || !RUNNING.has(status.phase)) return undefined;
  const { revision, templateHash, step, canaryWeight } = status;
  if (
    revision === undefined ||
    templateHash === undefined ||
    step === undefined ||
    canaryWeight === undefined
  )
    return undefined;
  const startedAt = Date.parse(status.stepStartedAt ?? '');
  return {
    state: {
      revision,
      stableRevision: status.stableRevision,
      step,
      stepStartedAt: Number.isFinite(startedAt) ? startedAt : Date.now(),
      failedChecks: status.failedChecks ?? 0,
    },
    template,
    templateHash,
    total,
    weight: canaryWeight,
    phase: status.phase === 'Promoting' ? 'promoting' : 'progressing',
    message: `resumed at step ${step + 1} (${canaryWeight}%) after a controller restart`,
  };
}
