/** Health of batch/v1 Job: terminal conditions first, then suspension, then the pods still running. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { conditionOf, explainCondition, isTrueAt, numberAt } from './read.js';
import { degraded, healthy, runCascade, suspended } from './result.js';
import type { HealthCheck, HealthContext, HealthResult } from './types.js';
import { unfinishedRollout } from './workload.js';

const isTrue = (obj: KubeObject, type: string): boolean => conditionOf(obj, type)?.status === 'True';

/** Failed is final; FailureTarget (Kubernetes 1.31+) says it will be once the pods are gone. */
function jobFailed(obj: KubeObject): HealthResult | undefined {
  for (const type of ['Failed', 'FailureTarget']) {
    const condition = conditionOf(obj, type);
    if (condition?.status === 'True') return degraded(`job failed: ${explainCondition(condition)}`);
  }
  return undefined;
}

/** Complete is final; SuccessCriteriaMet (1.31+) already decides success while pods wind down. */
function jobComplete(obj: KubeObject): HealthResult | undefined {
  if (!isTrue(obj, 'Complete') && !isTrue(obj, 'SuccessCriteriaMet')) return undefined;
  const succeeded = numberAt(obj, ['status', 'succeeded']) ?? 0;
  return healthy(`job completed: ${succeeded} succeeded`);
}

function jobSuspended(obj: KubeObject): HealthResult | undefined {
  return isTrueAt(obj, ['spec', 'suspend']) || isTrue(obj, 'Suspended')
    ? suspended('job suspended (spec.suspend)')
    : undefined;
}

function jobRunning(obj: KubeObject, context: HealthContext): HealthResult {
  const active = numberAt(obj, ['status', 'active']) ?? 0;
  const succeeded = numberAt(obj, ['status', 'succeeded']) ?? 0;
  const failedPods = numberAt(obj, ['status', 'failed']) ?? 0;
  const completions = numberAt(obj, ['spec', 'completions']) ?? 1;
  const started = active > 0 || succeeded > 0 || failedPods > 0;
  const failures = failedPods > 0 ? `, ${failedPods} failed` : '';
  const message = started
    ? `job running: ${active} active, ${succeeded} of ${completions} succeeded${failures}`
    : 'waiting for the job to start';
  // Failed pods are retried by the Job; only its Failed condition says it has given up.
  return unfinishedRollout(message, message, context, { ignoreFailedPods: true });
}

const checks: readonly HealthCheck[] = [beingDeleted, jobFailed, jobComplete, jobSuspended, jobRunning];

export function assessJob(obj: KubeObject, context: HealthContext): HealthResult {
  return runCascade(checks, obj, context);
}
