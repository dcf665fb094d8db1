/** Small checks shared by the rules of custom-resource families (Argo, Flux, cert-manager, Crossplane, ...). */
import { fieldAt, isRecord, type KubeObject } from '../../core/objects.js';
import { conditionOf, explainCondition } from '../read.js';
import { degraded, healthy, progressing, suspended } from '../result.js';
import { EXPECT_STATUS_ANNOTATION, statusNotExpected } from '../status-subresource.js';
import type { HealthCheck, HealthResult, HealthStatus } from '../types.js';

/** True when status is missing or an empty object. */
export function hasNoStatus(obj: KubeObject): boolean {
  const status = fieldAt(obj, ['status']);
  return !isRecord(status) || Object.keys(status).length === 0;
}

/**
 * For kinds whose controller always writes a status: none yet means the controller has not seen the object
 * (or is not installed). `what` names the controller, e.g. "cert-manager".
 */
export const awaitingController =
  (what: string): HealthCheck =>
  (obj, context) => {
    if (!hasNoStatus(obj)) return undefined;
    // The same way out as for any custom resource: the object or its CRD says no status will come.
    if (statusNotExpected(obj, context)) return healthy(`no status expected (${EXPECT_STATUS_ANNOTATION})`);
    return progressing(`waiting for ${what} to report status`);
  };

/** For kinds whose objects are configuration only: no status is the normal state. */
export const healthyWithoutStatus: HealthCheck = (obj) => (hasNoStatus(obj) ? healthy() : undefined);

function describe(label: string, explanation: string): string {
  return explanation === '' ? label : `${label}: ${explanation}`;
}

/** A condition with the given status decides the verdict (e.g. Denied=True → Degraded). */
export const whenCondition =
  (type: string, status: string, verdict: HealthStatus, label = `${type} ${status}`): HealthCheck =>
  (obj) => {
    const condition = conditionOf(obj, type);
    if (condition?.status !== status) return undefined;
    return verdictOf(verdict, describe(label, explainCondition(condition)));
  };

/** A condition that is anything but True (False or Unknown) decides the verdict. */
export const unlessConditionTrue =
  (type: string, verdict: HealthStatus, label = `${type} not True`): HealthCheck =>
  (obj) => {
    const condition = conditionOf(obj, type);
    if (condition === undefined || condition.status === 'True') return undefined;
    return verdictOf(verdict, describe(`${type} ${condition.status}`, explainCondition(condition)) || label);
  };

export function verdictOf(status: HealthStatus, message: string): HealthResult {
  switch (status) {
    case 'Healthy':
      return healthy(message);
    case 'Progressing':
      return progressing(message);
    case 'Degraded':
      return degraded(message);
    case 'Suspended':
      return suspended(message);
    case 'Missing':
    case 'Unknown':
      return { status, message };
  }
}

/** Ready: True → Healthy, False → Degraded, Unknown → Progressing (Knative, Issuers, external-secrets). */
export const readyStrict: HealthCheck = (obj) => {
  const condition = conditionOf(obj, 'Ready');
  if (condition === undefined) return undefined;
  if (condition.status === 'True') return healthy();
  const message = describe(`Ready ${condition.status}`, explainCondition(condition));
  return condition.status === 'False' ? degraded(message) : progressing(message);
};

/** A status value read from the object (`status.health.status` of Argo CD and Mooring Applications). */
export function healthStatusValue(value: string | undefined): HealthStatus | undefined {
  switch (value ?? '') {
    case 'Healthy':
    case 'Progressing':
    case 'Degraded':
    case 'Suspended':
    case 'Missing':
    case 'Unknown':
      return value as HealthStatus;
    default:
      return undefined;
  }
}
