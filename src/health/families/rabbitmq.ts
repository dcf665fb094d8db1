/**
 * RabbitMQ operators (rabbitmq.com): RabbitmqCluster reports ReconcileSuccess, AllReplicasReady,
 * ClusterAvailable and NoWarnings; the messaging-topology kinds (Queue, Exchange, Binding, User, Vhost,
 * Policy, Permission, ...) report Ready.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, generationNotObserved } from '../common.js';
import { readyOrAvailable } from '../generic.js';
import { conditionsOf } from '../read.js';
import { healthy, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, unlessConditionTrue, whenCondition } from './shared.js';

const clusterChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('the RabbitMQ cluster operator'),
  (obj) => generationNotObserved(obj, false),
  whenCondition('ReconcileSuccess', 'False', 'Degraded', 'reconcile failed'),
  unlessConditionTrue('AllReplicasReady', 'Progressing'),
  unlessConditionTrue('ClusterAvailable', 'Progressing'),
];

export function assessRabbitmqCluster(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(clusterChecks, obj, context);
}

const topologyChecks: readonly HealthCheck[] = [
  beingDeleted,
  awaitingController('the RabbitMQ messaging topology operator'),
  (obj) => generationNotObserved(obj, false),
  readyOrAvailable,
  (obj) => (conditionsOf(obj).length === 0 ? healthy() : undefined),
];

export function assessRabbitmqTopology(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(topologyChecks, obj, context);
}
