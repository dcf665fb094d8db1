/** Health of v1 Namespace: Active, or Terminating with what still holds it. */
import type { KubeObject } from '../core/objects.js';
import { conditionsOf, explainCondition, stringAt } from './read.js';
import { healthy, progressing, runCascade, unknown } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

/** The namespace controller's conditions that are True say what blocks deletion (content, finalizers). */
function terminating(obj: KubeObject): HealthResult | undefined {
  const phase = stringAt(obj, ['status', 'phase']);
  const deleting = stringAt(obj, ['metadata', 'deletionTimestamp']) !== undefined;
  if (phase !== 'Terminating' && !deleting) return undefined;
  const blockers = conditionsOf(obj)
    .filter((condition) => condition.status === 'True')
    .map(explainCondition)
    .filter((text) => text !== '');
  return progressing(['namespace terminating', ...blockers].join('; '));
}

function phase(obj: KubeObject): HealthResult {
  const current = stringAt(obj, ['status', 'phase']);
  return current === undefined || current === 'Active' ? healthy() : unknown(`namespace phase ${current}`);
}

const checks: readonly HealthCheck[] = [terminating, phase];

export function assessNamespace(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
