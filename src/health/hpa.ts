/**
 * Health of autoscaling HorizontalPodAutoscaler from its conditions: AbleToScale (can it read and update the
 * target's scale), ScalingActive (can it compute metrics), ScalingLimited (clamped by min/max replicas).
 */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, generationNotObserved } from './common.js';
import { type Condition, conditionsOf, explainCondition, parseConditions } from './read.js';
import { degraded, healthy, progressing, runCascade } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

/** autoscaling/v1 has no status.conditions; the controller writes them into this annotation as JSON. */
const V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';

function hpaConditions(obj: KubeObject): Condition[] {
  const fromStatus = conditionsOf(obj);
  if (fromStatus.length > 0) return fromStatus;
  const annotation = obj.metadata.annotations?.[V1_CONDITIONS_ANNOTATION];
  if (annotation === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(annotation);
    return Array.isArray(parsed) ? parseConditions(parsed) : [];
  } catch {
    return [];
  }
}

const find = (obj: KubeObject, type: string): Condition | undefined =>
  hpaConditions(obj).find((condition) => condition.type === type);

/** Reasons such as FailedGetScale, FailedGetResourceMetric, InvalidSelector need a change to the HPA or target. */
const isFailureReason = (reason: string): boolean =>
  reason.startsWith('Failed') || reason.startsWith('Invalid');

function cannotScale(obj: KubeObject): HealthResult | undefined {
  const condition = find(obj, 'AbleToScale');
  if (condition?.status !== 'False' || !isFailureReason(condition.reason)) return undefined;
  return degraded(`cannot scale the target: ${explainCondition(condition)}`);
}

function metricsFailing(obj: KubeObject): HealthResult | undefined {
  const condition = find(obj, 'ScalingActive');
  if (condition?.status !== 'False' || !isFailureReason(condition.reason)) return undefined;
  return degraded(`cannot compute replicas from metrics: ${explainCondition(condition)}`);
}

/** The target was scaled to zero by hand: the HPA waits on purpose. */
function scalingDisabled(obj: KubeObject): HealthResult | undefined {
  const condition = find(obj, 'ScalingActive');
  if (condition?.status !== 'False' || condition.reason !== 'ScalingDisabled') return undefined;
  return healthy(`scaling disabled: ${explainCondition(condition)}`);
}

function scalingActive(obj: KubeObject): HealthResult {
  const active = find(obj, 'ScalingActive');
  if (active === undefined) return progressing('waiting for the autoscaler to read metrics');
  if (active.status !== 'True') return progressing(`autoscaler not active yet: ${explainCondition(active)}`);
  const limited = find(obj, 'ScalingLimited');
  return limited?.status === 'True'
    ? healthy(`replica count limited: ${explainCondition(limited)}`)
    : healthy();
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  (obj) => generationNotObserved(obj, false),
  cannotScale,
  metricsFailing,
  scalingDisabled,
  scalingActive,
];

export function assessHorizontalPodAutoscaler(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
