/** Health of v1 Pod: phase, stuck containers, scheduling, restartPolicy and the Ready condition. */
import type { KubeObject } from '../core/objects.js';
import {
  crashedContainer,
  failedTermination,
  failingContainer,
  unreadyContainers,
  waitingContainer,
} from './pods.js';
import { clip, conditionOf, explainCondition, stringAt } from './read.js';
import { degraded, healthy, progressing, runCascade, unknown } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

const phaseOf = (pod: KubeObject): string | undefined => stringAt(pod, ['status', 'phase']);

function terminating(pod: KubeObject): HealthResult | undefined {
  return stringAt(pod, ['metadata', 'deletionTimestamp']) === undefined
    ? undefined
    : progressing('pod is terminating');
}

function succeeded(pod: KubeObject): HealthResult | undefined {
  return phaseOf(pod) === 'Succeeded' ? healthy('pod completed') : undefined;
}

function failed(pod: KubeObject): HealthResult | undefined {
  if (phaseOf(pod) !== 'Failed') return undefined;
  const reason = stringAt(pod, ['status', 'reason']);
  const message = stringAt(pod, ['status', 'message']);
  if (reason !== undefined || message !== undefined) {
    return degraded(`pod failed: ${[reason, message].filter((part) => part !== undefined).join(': ')}`);
  }
  const termination = failedTermination(pod);
  return degraded(
    termination === undefined
      ? 'pod failed'
      : `pod failed: container ${termination.container} ${termination.detail}`,
  );
}

function stuckContainer(pod: KubeObject): HealthResult | undefined {
  const failure = failingContainer(pod);
  if (failure === undefined) return undefined;
  const detail = failure.detail === '' ? '' : ` (${failure.detail})`;
  return degraded(`container ${failure.container} ${failure.reason}${detail}`);
}

function crashed(pod: KubeObject): HealthResult | undefined {
  const crash = crashedContainer(pod);
  if (crash === undefined) return undefined;
  return degraded(
    `container ${crash.container} terminated (${crash.detail}) and is restarted by the kubelet`,
  );
}

function unschedulable(pod: KubeObject): HealthResult | undefined {
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status !== 'False') return undefined;
  return progressing(`pod not scheduled: ${clip(explainCondition(scheduled))}`);
}

function pending(pod: KubeObject): HealthResult | undefined {
  const phase = phaseOf(pod);
  if (phase !== undefined && phase !== 'Pending') return undefined;
  const waiting = waitingContainer(pod);
  return progressing(
    waiting === undefined ? 'pod pending' : `pod pending: container ${waiting.container} ${waiting.reason}`,
  );
}

/** A pod that restarts its containers is done when Ready; one that runs to completion is done when it exits. */
function running(pod: KubeObject): HealthResult | undefined {
  if (phaseOf(pod) !== 'Running') return undefined;
  const restartPolicy = stringAt(pod, ['spec', 'restartPolicy']) ?? 'Always';
  if (restartPolicy !== 'Always')
    return progressing(`pod running (restartPolicy ${restartPolicy}: waiting for it to finish)`);
  if (conditionOf(pod, 'Ready')?.status === 'True') return healthy();
  const unready = unreadyContainers(pod);
  return progressing(unready.length === 0 ? 'pod not ready' : `containers not ready: ${unready.join(', ')}`);
}

function unknownPhase(pod: KubeObject): HealthResult {
  const why = [stringAt(pod, ['status', 'reason']), stringAt(pod, ['status', 'message'])]
    .filter((part) => part !== undefined)
    .join(': ');
  return unknown(`pod phase ${phaseOf(pod) ?? 'unset'}${why === '' ? '' : ` (${clip(why)})`}`);
}

const checks: readonly HealthCheck[] = [
  terminating,
  succeeded,
  failed,
  stuckContainer,
  crashed,
  unschedulable,
  pending,
  running,
  unknownPhase,
];

export function assessPod(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
