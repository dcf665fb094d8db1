import type { ObjectAction, ObjectOutcome } from '../apply/types.js';

/** Counts of outcomes by action, e.g. { created: 3, unchanged: 10 }. Pure. */
export function countActions(outcomes: readonly ObjectOutcome[]): Partial<Record<ObjectAction, number>> {
  const counts: Partial<Record<ObjectAction, number>> = {};
  for (const o of outcomes) counts[o.action] = (counts[o.action] ?? 0) + 1;
  return counts;
}

/** "3 created, 1 configured, 10 unchanged" in a fixed order; "nothing to do" when empty. Pure. */
export function describeCounts(outcomes: readonly ObjectOutcome[]): string {
  const order: ObjectAction[] = [
    'created',
    'configured',
    'recreated',
    'unchanged',
    'pruned',
    'orphaned',
    'skipped',
    'hook-succeeded',
    'hook-failed',
    'failed',
  ];
  const counts = countActions(outcomes);
  const parts = order.filter((a) => (counts[a] ?? 0) > 0).map((a) => `${counts[a] ?? 0} ${a}`);
  return parts.length === 0 ? 'nothing to do' : parts.join(', ');
}
