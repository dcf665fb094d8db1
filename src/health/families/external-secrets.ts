/**
 * external-secrets (external-secrets.io): ExternalSecret, ClusterExternalSecret, SecretStore,
 * ClusterSecretStore, PushSecret — a Ready condition (SecretSynced / SecretSyncedError, Valid /
 * InvalidProviderConfig); ClusterExternalSecret also reports NotReady / PartiallyReady.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted, staleConditions } from '../common.js';
import { suspendedBySpec } from '../generic.js';
import { progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';
import { awaitingController, readyStrict, whenCondition } from './shared.js';
import { conditionOf } from '../read.js';

const checks: readonly HealthCheck[] = [
  beingDeleted,
  suspendedBySpec,
  awaitingController('the external-secrets operator'),
  staleConditions,
  whenCondition('NotReady', 'True', 'Degraded', 'not ready'),
  whenCondition('PartiallyReady', 'True', 'Degraded', 'partially ready'),
  readyStrict,
  (obj) =>
    conditionOf(obj, 'Ready') === undefined ? progressing('waiting for a Ready condition') : undefined,
];

export function assessExternalSecrets(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(checks, obj, context);
}
