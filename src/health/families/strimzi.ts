/**
 * Strimzi (kafka.strimzi.io, core.strimzi.io): Kafka, KafkaTopic, KafkaUser, KafkaConnect, KafkaConnector,
 * KafkaMirrorMaker2, KafkaBridge, KafkaRebalance, KafkaNodePool report Ready=True when done, and NotReady=True
 * with reason Creating while deploying or with the exception name on a failure; ReconciliationPaused=True
 * when paused by annotation. Warning conditions do not change health.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { conditionOf, explainCondition } from '../read.js';
import { isProgressReason } from '../reasons.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, whenCondition } from './shared.js';

function notReady(obj: KubeObject): HealthResult | undefined {
  const condition = conditionOf(obj, 'NotReady') ?? conditionOf(obj, 'Ready');
  if (condition === undefined) return progressing('waiting for Strimzi to report a Ready condition');
  const ready = condition.type === 'Ready' ? condition.status === 'True' : condition.status !== 'True';
  if (ready) return healthy();
  const message = `not ready: ${explainCondition(condition)}`;
  return condition.status === 'Unknown' || isProgressReason(condition.reason)
    ? progressing(message)
    : degraded(message);
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  whenCondition('ReconciliationPaused', 'True', 'Suspended', 'reconciliation paused'),
  awaitingController('Strimzi'),
  (obj) => generationNotObserved(obj, false),
  notReady,
];

export function assessStrimzi(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}
