/** Many objects' health in one result, and what is still not ready, for status summaries and wait timeouts. */
import { isSettled, severityRank } from './result.js';
import type { HealthResult, SubjectHealth } from './types.js';

function describeOne(item: SubjectHealth): string {
  return item.result.message === '' ? item.subject : `${item.subject}: ${item.result.message}`;
}

/** Input order kept within one status, worst status first. */
function worstFirst(items: readonly SubjectHealth[]): SubjectHealth[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort(
      (a, b) => severityRank(a.item.result.status) - severityRank(b.item.result.status) || a.index - b.index,
    )
    .map(({ item }) => item);
}

/**
 * The health of a group of objects: the worst status wins, in the order of HEALTH_SEVERITY
 * (Degraded > Missing > Progressing > Unknown > Suspended > Healthy). The message says how many objects
 * share that status and gives the first one's message:
 * "Degraded: Deployment/shop/web: 2/3 pods ready; pod web-7f9 CrashLoopBackOff" or
 * "Progressing: 3 objects, first Job/shop/migrate: job running: ...". No objects, or all Healthy: Healthy, no words.
 */
export function aggregateHealth(items: readonly SubjectHealth[]): HealthResult {
  const [first] = worstFirst(items);
  if (first === undefined || first.result.status === 'Healthy') return { status: 'Healthy', message: '' };
  const status = first.result.status;
  const count = items.filter((item) => item.result.status === status).length;
  const which = count === 1 ? describeOne(first) : `${count} objects, first ${describeOne(first)}`;
  return { status, message: `${status}: ${which}` };
}

/**
 * What is still not ready (neither Healthy nor Suspended), worst first, for a wait timeout message:
 * "Deployment/shop/web Degraded (2/3 pods ready; ...); Job/shop/migrate Progressing (job running: ...); 2 more".
 * Empty when everything has settled.
 */
export function describeUnhealthy(items: readonly SubjectHealth[], limit = 5): string {
  const pending = worstFirst(items.filter((item) => !isSettled(item.result.status)));
  const named = pending.slice(0, limit).map(({ subject, result }) => {
    const head = `${subject} ${result.status}`;
    return result.message === '' ? head : `${head} (${result.message})`;
  });
  const rest = pending.length - named.length;
  if (rest > 0) named.push(`${rest} more`);
  return named.join('; ');
}
