/**
 * Flux (source.toolkit.fluxcd.io, kustomize.toolkit.fluxcd.io, helm.toolkit.fluxcd.io): GitRepository,
 * OCIRepository, HelmRepository, HelmChart, Bucket, Kustomization, HelmRelease follow kstatus — spec.suspend,
 * observedGeneration, Stalled, Reconciling, Ready — which the generic rules read. What Flux adds: a status
 * always comes (none yet is Progressing), and an OCI HelmRepository is static (no conditions by design).
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { GENERIC_CHECKS, suspendedBySpec } from '../generic.js';
import { conditionOf, conditionsOf, explainCondition, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { hasNoStatus } from './shared.js';

function staticOciRepository(obj: KubeObject): HealthResult | undefined {
  return obj.kind === 'HelmRepository' &&
    stringAt(obj, ['spec', 'type']) === 'oci' &&
    conditionsOf(obj).length === 0
    ? healthy('OCI Helm repositories are static: nothing to reconcile')
    : undefined;
}

function noConditionsYet(obj: KubeObject): HealthResult | undefined {
  return hasNoStatus(obj) || conditionsOf(obj).length === 0
    ? progressing('waiting for Flux to report status')
    : undefined;
}

/**
 * Reconciling=True with reason ProgressingWithRetry next to Ready=False: the last attempt failed and Flux
 * only retries on its interval (authentication, 404, build errors). The failure is what a person needs to see.
 */
function failingWithRetry(obj: KubeObject): HealthResult | undefined {
  const reconcilingCondition = conditionOf(obj, 'Reconciling');
  const ready = conditionOf(obj, 'Ready');
  if (reconcilingCondition?.status !== 'True' || reconcilingCondition.reason !== 'ProgressingWithRetry')
    return undefined;
  if (ready?.status !== 'False') return undefined;
  return degraded(`Ready False: ${explainCondition(ready)} (retrying)`);
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  staticOciRepository,
  noConditionsYet,
  failingWithRetry,
  ...GENERIC_CHECKS,
];

export function assessFlux(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}
