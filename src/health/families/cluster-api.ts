/**
 * Cluster API (cluster.x-k8s.io and the *.cluster.x-k8s.io provider groups): spec.paused, the
 * status.failureReason / failureMessage of v1beta1, conditions with a severity (Ready=False with severity
 * Error is a failure, Warning/Info is work under way), and phases per kind (a Machine or MachineDeployment
 * is done when Running, a Cluster when Provisioned).
 */
import { groupOf, type KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved, staleConditions } from '../common.js';
import { suspendedBySpec } from '../generic.js';
import { conditionOf, explainCondition, recordsAt, stringAt } from '../read.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { hasNoStatus } from './shared.js';

function failure(obj: KubeObject): HealthResult | undefined {
  const reason =
    stringAt(obj, ['status', 'failureReason']) ??
    stringAt(obj, ['status', 'deprecated', 'v1beta1', 'failureReason']);
  const message =
    stringAt(obj, ['status', 'failureMessage']) ??
    stringAt(obj, ['status', 'deprecated', 'v1beta1', 'failureMessage']);
  if (reason === undefined && message === undefined) return undefined;
  return degraded([reason, message].filter((part) => part !== undefined).join(': '));
}

/** v1beta1 conditions carry a severity; a False Ready with severity Error will not fix itself. */
function ready(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'Ready') ?? conditionOf(obj, 'Available');
  if (condition === undefined || condition.status === 'True') return undefined;
  const severity = recordsAt(obj, ['status', 'conditions']).find(
    (entry) => entry.type === condition.type,
  )?.severity;
  const message = `${condition.type} ${condition.status}: ${explainCondition(condition)}`;
  return severity === 'Error' ? degraded(message) : progressing(message);
}

/** phase Failed, with the Ready message when there is one. */
function failedMessage(obj: KubeObject): string {
  const readyCondition = conditionOf(obj, 'Ready');
  const why = readyCondition === undefined ? '' : explainCondition(readyCondition);
  return why === '' ? 'phase Failed' : `phase Failed: ${why}`;
}

const DONE_PHASES = new Set(['Running', 'Provisioned', 'Ready']);
const WORKING_PHASES = new Set([
  'Pending',
  'Provisioning',
  'ScalingUp',
  'ScalingDown',
  'Deleting',
  'Deleted',
]);

function phase(obj: KubeObject): HealthResult | undefined {
  const value = stringAt(obj, ['status', 'phase']);
  if (value === undefined) return undefined;
  if (value === 'Failed') return degraded('phase Failed');
  if (WORKING_PHASES.has(value)) return progressing(`phase ${value}`);
  if (DONE_PHASES.has(value)) return healthy();
  return undefined;
}

/** Templates and configuration kinds (…Template, ClusterClass, ClusterResourceSetBinding) have no status. */
function noStatus(obj: KubeObject): HealthResult | undefined {
  if (!hasNoStatus(obj)) return undefined;
  return obj.kind.endsWith('Template') || obj.kind === 'ClusterResourceSetBinding'
    ? healthy()
    : progressing('waiting for Cluster API to report status');
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  noStatus,
  (obj) => generationNotObserved(obj, false),
  staleConditions,
  failure,
  (obj) => (stringAt(obj, ['status', 'phase']) === 'Failed' ? degraded(failedMessage(obj)) : undefined),
  ready,
  phase,
];

export function assessClusterApi(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}

export function isClusterApiGroup(apiVersion: string): boolean {
  const group = groupOf(apiVersion);
  return group === 'cluster.x-k8s.io' || group.endsWith('.cluster.x-k8s.io');
}
