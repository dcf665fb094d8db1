/** Health of apps/v1 StatefulSet: ready pods, then the update strategy (OnDelete, partition, revisions). */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted, workloadGenerationObserved } from './common.js';
import { numberAt, stringAt } from './read.js';
import { healthy, runCascade } from './result.js';
import type { HealthCheck, HealthContext, HealthResult } from './types.js';
import { podsReady, unfinishedRollout } from './workload.js';

const desiredOf = (obj: KubeObject): number => numberAt(obj, ['spec', 'replicas']) ?? 1;
const updatedOf = (obj: KubeObject): number => numberAt(obj, ['status', 'updatedReplicas']) ?? 0;

function podsNotReady(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const desired = desiredOf(obj);
  const ready = numberAt(obj, ['status', 'readyReplicas']) ?? 0;
  if (ready >= desired) return undefined;
  return unfinishedRollout(
    `waiting for pods: ${ready} of ${desired} ready`,
    podsReady(ready, desired),
    context,
  );
}

/** OnDelete replaces pods only when someone deletes them: once the pods are ready there is nothing to wait for. */
function onDeleteStrategy(obj: KubeObject): HealthResult | undefined {
  if (stringAt(obj, ['spec', 'updateStrategy', 'type']) !== 'OnDelete') return undefined;
  const desired = desiredOf(obj);
  const outdated = desired - updatedOf(obj);
  return outdated > 0
    ? healthy(`updateStrategy OnDelete: ${outdated} of ${desired} pods keep the old revision until deleted`)
    : healthy();
}

/** With a partition only ordinals >= partition are updated; the rest stay at the old revision on purpose. */
function partitionedRollout(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const partition = numberAt(obj, ['spec', 'updateStrategy', 'rollingUpdate', 'partition']);
  if (partition === undefined || partition <= 0) return undefined;
  const toUpdate = Math.max(desiredOf(obj) - partition, 0);
  const updated = updatedOf(obj);
  if (updated < toUpdate) {
    const message = `waiting for partitioned rollout: ${updated} of ${toUpdate} pods updated (partition ${partition})`;
    return unfinishedRollout(message, message, context);
  }
  return healthy(
    `partitioned rollout complete: ${updated} updated, ordinals below ${partition} kept at the old revision`,
  );
}

function revisionsDiffer(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const desired = desiredOf(obj);
  const updated = updatedOf(obj);
  if (updated < desired) {
    const message = `waiting for rollout: ${updated} of ${desired} pods updated`;
    return unfinishedRollout(message, message, context);
  }
  const current = stringAt(obj, ['status', 'currentRevision']);
  const update = stringAt(obj, ['status', 'updateRevision']);
  if (current === undefined || update === undefined || current === update) return undefined;
  const message = `waiting for rollout: pods at revision ${current}, updating to ${update}`;
  return unfinishedRollout(message, message, context);
}

const checks: readonly HealthCheck[] = [
  beingDeleted,
  workloadGenerationObserved,
  podsNotReady,
  onDeleteStrategy,
  partitionedRollout,
  revisionsDiffer,
];

export function assessStatefulSet(obj: KubeObject, context: HealthContext): HealthResult {
  return runCascade(checks, obj, context);
}
