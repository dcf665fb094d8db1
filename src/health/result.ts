/** Building blocks of every health cascade: result constructors, the cascade runner, severity order. */
import type { KubeObject } from '../core/objects.js';
import type { HealthCheck, HealthContext, HealthResult, HealthStatus } from './types.js';

export const healthy = (message = ''): HealthResult => ({ status: 'Healthy', message });
export const progressing = (message: string): HealthResult => ({ status: 'Progressing', message });
export const degraded = (message: string): HealthResult => ({ status: 'Degraded', message });
export const suspended = (message: string): HealthResult => ({ status: 'Suspended', message });
export const unknown = (message: string): HealthResult => ({ status: 'Unknown', message });

/**
 * Runs checks in order; the first that decides wins. When none decides the object is Healthy: a kind's
 * cascade lists every way it can be unfinished, so falling through means there is nothing to wait for.
 */
export function runCascade(
  checks: readonly HealthCheck[],
  obj: KubeObject,
  context: HealthContext,
): HealthResult {
  for (const check of checks) {
    const result = check(obj, context);
    if (result !== undefined) return result;
  }
  return healthy();
}

/**
 * Health states from worst to best. Degraded needs a person; Missing means the object is not there at all
 * (worse than one still on its way); Progressing will settle by itself; Unknown cannot be judged but is not
 * known to be bad; Suspended was paused on purpose; Healthy needs nothing.
 */
export const HEALTH_SEVERITY: readonly HealthStatus[] = [
  'Degraded',
  'Missing',
  'Progressing',
  'Unknown',
  'Suspended',
  'Healthy',
];

/** Smaller is worse: the index of a status in HEALTH_SEVERITY. */
export function severityRank(status: HealthStatus): number {
  return HEALTH_SEVERITY.indexOf(status);
}

/** True when there is nothing left to wait for: Healthy, or Suspended on purpose. */
export function isSettled(status: HealthStatus): boolean {
  return status === 'Healthy' || status === 'Suspended';
}

/** "a; b" without empty parts. */
export function joinParts(...parts: (string | undefined)[]): string {
  return parts.filter((part): part is string => part !== undefined && part !== '').join('; ');
}

/** "1 pod", "3 pods". */
export function countOf(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}
