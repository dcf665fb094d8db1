/**
 * Status conditions of an Application, kept the way Kubernetes tools expect: one entry per type, and a
 * lastTransitionTime that moves only when the status changes. Pure.
 */
import { APPLICATION_CONDITION_TYPES } from './application-status.js';
import type { ApplicationCondition, ApplicationConditionType } from './application-status.js';

/** What the controller decides for one condition; the helpers add the timestamps and generation. */
export interface ConditionUpdate {
  type: ApplicationConditionType;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, e.g. "ReconciliationSucceeded", "RenderFailed". */
  reason: string;
  message: string;
}

/** The condition of that type, if present. */
export function findCondition(
  conditions: readonly ApplicationCondition[] | undefined,
  type: ApplicationConditionType,
): ApplicationCondition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * The condition to store for `update`: lastTransitionTime is kept from the previous condition of the same
 * type when its status did not change (so "Ready since" stays true), and set to `now` otherwise.
 */
export function applicationStatusCondition(
  previous: readonly ApplicationCondition[] | undefined,
  update: ConditionUpdate,
  observedGeneration: number,
  now: Date,
): ApplicationCondition {
  const before = findCondition(previous, update.type);
  const lastTransitionTime = before?.status === update.status ? before.lastTransitionTime : now.toISOString();
  return { ...update, lastTransitionTime, observedGeneration };
}

/**
 * The conditions after applying `updates`: updated types replaced, others kept, ordered as
 * APPLICATION_CONDITION_TYPES so repeated writes produce the same list (no status churn).
 */
export function setConditions(
  previous: readonly ApplicationCondition[] | undefined,
  updates: readonly ConditionUpdate[],
  observedGeneration: number,
  now: Date,
): ApplicationCondition[] {
  const byType = new Map<ApplicationConditionType, ApplicationCondition>();
  for (const condition of previous ?? []) byType.set(condition.type, condition);
  for (const update of updates) {
    byType.set(update.type, applicationStatusCondition(previous, update, observedGeneration, now));
  }
  return APPLICATION_CONDITION_TYPES.flatMap((type) => {
    const condition = byType.get(type);
    return condition === undefined ? [] : [condition];
  });
}
