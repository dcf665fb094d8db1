/** Health of apiregistration.k8s.io/v1 APIService: the Available condition. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { conditionOf, explainCondition } from './read.js';
import { healthy, progressing, runCascade } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

/** An aggregated API is unavailable while its backing service starts; report why, keep waiting. */
function available(obj: KubeObject): HealthResult {
  const condition = conditionOf(obj, 'Available');
  if (condition?.status === 'True') return healthy();
  const why = condition === undefined ? '' : `: ${explainCondition(condition)}`;
  return progressing(`waiting for the API service to become available${why}`);
}

const checks: readonly HealthCheck[] = [beingDeleted, available];

export function assessAPIService(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
