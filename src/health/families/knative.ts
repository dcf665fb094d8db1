/**
 * Knative (serving.knative.dev, eventing.knative.dev, sources.knative.dev, messaging.knative.dev): every
 * kind reports a Ready condition that is Unknown while work is under way and False on a failure
 * (RevisionFailed, ContainerMissing, ...), with observedGeneration on the status.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { conditionOf } from '../read.js';
import { progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, readyStrict } from './shared.js';

const checks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('Knative'),
  (obj) => generationNotObserved(obj, false),
  readyStrict,
  (obj) =>
    conditionOf(obj, 'Ready') === undefined ? progressing('waiting for a Ready condition') : undefined,
];

export function assessKnative(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}
