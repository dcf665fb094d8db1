/**
 * Istio: IstioOperator (install.istio.io) reports status.status HEALTHY / RECONCILING / UPDATING / ERROR;
 * the Sail operator's kinds (sailoperator.io) report Ready and Reconciled; traffic and security config
 * (networking.istio.io, security.istio.io, telemetry.istio.io, extensions.istio.io) has a status only when
 * status writing is on: validation messages with level ERROR are a failure, Reconciled=False means the
 * config has not reached every proxy yet, and no status is the normal state.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { conditionOf, explainCondition, recordsAt, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, healthyWithoutStatus, readyStrict, whenCondition } from './shared.js';

function operatorStatus(obj: KubeObject): HealthResult {
  const value = stringAt(obj, ['status', 'status']) ?? 'without status';
  const message = stringAt(obj, ['status', 'message']) ?? '';
  const text = `IstioOperator ${value}${message === '' ? '' : `: ${message}`}`;
  switch (value) {
    case 'HEALTHY':
      return healthy();
    case 'ERROR':
      return degraded(text);
    default:
      return progressing(text);
  }
}

export function assessIstioOperator(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, operatorStatus], obj, context);
}

const sailChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('the Sail operator'),
  (obj) => generationNotObserved(obj, false),
  whenCondition('Reconciled', 'False', 'Degraded', 'not reconciled'),
  readyStrict,
];

export function assessSail(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(sailChecks, obj, context);
}

function validationErrors(obj: KubeObject): HealthResult | undefined {
  const errors = recordsAt(obj, ['status', 'validationMessages']).filter(
    (entry) => stringAt(entry, ['level']) === 'ERROR',
  );
  if (errors.length === 0) return undefined;
  const first = errors[0];
  const code = stringAt(first, ['type', 'code']) ?? '';
  return degraded(`istio validation error ${code}: ${stringAt(first, ['documentationUrl']) ?? ''}`.trim());
}

function distribution(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Reconciled');
  return condition?.status === 'False'
    ? progressing(`not yet on every proxy: ${explainCondition(condition)}`)
    : undefined;
}

export function assessIstioConfig(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, healthyWithoutStatus, validationErrors, distribution], obj, context);
}
