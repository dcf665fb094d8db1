/** Health of apiextensions.k8s.io/v1 CustomResourceDefinition: NamesAccepted, NonStructuralSchema, then Established. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { conditionOf, explainCondition } from './read.js';
import { degraded, healthy, progressing, runCascade } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

/** Conflicting names never resolve by themselves: another CRD owns the plural, kind or short name. */
function namesRejected(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'NamesAccepted');
  return condition?.status === 'False'
    ? degraded(`names not accepted: ${explainCondition(condition)}`)
    : undefined;
}

/**
 * A non-structural schema is served but loses pruning, defaulting and server-side apply merges; the API
 * server says so with NonStructuralSchema=True until the CRD is fixed.
 */
function nonStructural(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'NonStructuralSchema');
  return condition?.status === 'True'
    ? degraded(`schema is not structural: ${explainCondition(condition)}`)
    : undefined;
}

function established(obj: KubeObject): HealthResult {
  const condition = conditionOf(obj, 'Established');
  if (condition?.status === 'True') return healthy();
  const why = condition === undefined ? '' : `: ${explainCondition(condition)}`;
  return progressing(`waiting for the CRD to be established${why}`);
}

const checks: readonly HealthCheck[] = [beingDeleted, namesRejected, nonStructural, established];

export function assessCustomResourceDefinition(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
