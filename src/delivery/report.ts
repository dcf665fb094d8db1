/**
 * A rollout event as the report sinks get it (kind 'rollout': notifications, metrics): the revision, the
 * step and weight it had reached, and for an abort the failed metrics and what was done in Git. Pure.
 */
import type { RolloutReport } from '../controller/report.js';
import type { DeliverySpec } from '../crd/delivery.js';
import { weightsOf } from './machine.js';
import type { ActiveRollout } from './runner.js';

/** The report of `event` on `rollout` (`extra` overrides what the rollout says). Pure. */
export function rolloutEventOf(
  delivery: DeliverySpec | undefined,
  rollout: ActiveRollout,
  extra: Pick<RolloutReport, 'event'> & Partial<RolloutReport>,
): RolloutReport {
  return {
    revision: rollout.state.revision,
    stableRevision: rollout.state.stableRevision,
    step: rollout.state.step + 1,
    steps: delivery === undefined ? 0 : weightsOf(delivery).length,
    weight: rollout.weight,
    message: rollout.message,
    ...extra,
  };
}
