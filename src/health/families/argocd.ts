/**
 * Argo CD (argoproj.io): an Application reports its own verdict in status.health.status and its errors as
 * conditions named *Error; an ApplicationSet reports ErrorOccurred, ResourcesUpToDate and, with progressive
 * syncs, RolloutProgressing. AppProject is configuration.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { conditionsOf, explainCondition, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, healthStatusValue, verdictOf, whenCondition } from './shared.js';

/** ComparisonError, InvalidSpecError, SyncError, ...: Argo CD cannot do its job for this app. */
function errorConditions(obj: KubeObject): HealthResult | undefined {
  const condition = conditionsOf(obj).find((entry) => entry.type.endsWith('Error'));
  return condition === undefined ? undefined : degraded(`${condition.type}: ${explainCondition(condition)}`);
}

function reportedHealth(obj: KubeObject): HealthResult | undefined {
  const status = healthStatusValue(stringAt(obj, ['status', 'health', 'status']));
  if (status === undefined) return undefined;
  const message = stringAt(obj, ['status', 'health', 'message']) ?? '';
  return verdictOf(
    status,
    status === 'Healthy' ? message : `application ${status}${message === '' ? '' : `: ${message}`}`,
  );
}

const applicationChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('Argo CD'),
  errorConditions,
  reportedHealth,
  () => progressing('waiting for Argo CD to assess the application'),
];

export function assessArgoApplication(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(applicationChecks, obj, context);
}

const applicationSetChecks: readonly HealthCheck[] = [
  beingDeleted,
  whenCondition('ErrorOccurred', 'True', 'Degraded', 'error'),
  whenCondition('ResourcesUpToDate', 'False', 'Degraded', 'applications not up to date'),
  whenCondition('RolloutProgressing', 'True', 'Progressing', 'progressive sync'),
  whenCondition('ResourcesUpToDate', 'True', 'Healthy', ''),
  () => progressing('waiting for the ApplicationSet controller to report status'),
];

export function assessApplicationSet(obj: KubeObject, context: HealthContext = {}): HealthResult {
  const result = runCascade(applicationSetChecks, obj, context);
  return result.status === 'Healthy' ? healthy() : result;
}
