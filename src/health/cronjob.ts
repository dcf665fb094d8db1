/** Health of batch/v1 CronJob: a schedule is healthy unless suspended; its Jobs are judged on their own. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { isTrueAt, recordsAt, stringAt } from './read.js';
import { countOf, healthy, runCascade, suspended } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

function scheduleSuspended(obj: KubeObject): HealthResult | undefined {
  return isTrueAt(obj, ['spec', 'suspend']) ? suspended('schedule suspended (spec.suspend)') : undefined;
}

function scheduleStatus(obj: KubeObject): HealthResult {
  const active = recordsAt(obj, ['status', 'active']).length;
  const lastScheduled = stringAt(obj, ['status', 'lastScheduleTime']);
  const parts = [
    active > 0 ? `${countOf(active, 'job')} running` : '',
    lastScheduled === undefined ? '' : `last scheduled ${lastScheduled}`,
  ];
  return healthy(parts.filter((part) => part !== '').join(', '));
}

const checks: readonly HealthCheck[] = [beingDeleted, scheduleSuspended, scheduleStatus];

export function assessCronJob(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
