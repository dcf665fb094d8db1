/**
 * What is wrong with pods, in words: used by the Pod rules and by workloads (Deployment, StatefulSet, ...)
 * to say which of their pods are not ready and why.
 */
import { isRecord, type KubeObject } from '../core/objects.js';
import { clip, conditionOf, numberAt, recordsAt, stringAt } from './read.js';
import { countOf } from './result.js';

/**
 * Container waiting reasons that do not fix themselves: the image, the config or the program has to change.
 * A pod waiting for one of these makes its workload Degraded rather than Progressing.
 */
export const DEGRADED_WAITING_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

interface ContainerView {
  name: string;
  ready: boolean;
  state: Record<string, unknown>;
  lastState: Record<string, unknown>;
}

/** A container that is stuck, with the reason the kubelet gives and a short explanation. */
export interface ContainerFailure {
  container: string;
  reason: string;
  detail: string;
}

/** Why one pod is not ready; `degraded` when it will not recover without a change. */
export interface PodIssue {
  pod: string;
  reason: string;
  detail: string;
  degraded: boolean;
}

export interface PodIssueOptions {
  /** Leave out pods in phase Failed: a Job retries them, its own conditions say when it has failed. */
  ignoreFailedPods?: boolean;
  /** How many pods to name before summarising the rest. */
  limit?: number;
}

function containersOf(pod: KubeObject): ContainerView[] {
  const statuses = [
    ...recordsAt(pod, ['status', 'initContainerStatuses']),
    ...recordsAt(pod, ['status', 'containerStatuses']),
  ];
  return statuses.map((status) => ({
    name: typeof status.name === 'string' ? status.name : '?',
    ready: status.ready === true,
    state: isRecord(status.state) ? status.state : {},
    lastState: isRecord(status.lastState) ? status.lastState : {},
  }));
}

/** "OOMKilled, exit code 137" from a terminated state, or '' when there is none. */
function describeTermination(state: Record<string, unknown>): string {
  const terminated = state.terminated;
  if (!isRecord(terminated)) return '';
  const exitCode = numberAt(terminated, ['exitCode']);
  const reason = stringAt(terminated, ['reason']);
  const code = exitCode === undefined ? '' : `exit code ${exitCode}`;
  return [reason, code].filter((part) => part !== undefined && part !== '').join(', ');
}

function waitingFailure(container: ContainerView): ContainerFailure | undefined {
  const reason = stringAt(container.state, ['waiting', 'reason']);
  if (reason === undefined || !DEGRADED_WAITING_REASONS.has(reason)) return undefined;
  // A crash loop's waiting message is only the back-off delay; the last exit says what went wrong.
  const detail =
    reason === 'CrashLoopBackOff'
      ? describeTermination(container.lastState)
      : clip(stringAt(container.state, ['waiting', 'message']) ?? '', 120);
  return { container: container.name, reason, detail };
}

/** The first container (init containers first) stuck in a waiting reason that will not fix itself. */
export function failingContainer(pod: KubeObject): ContainerFailure | undefined {
  for (const container of containersOf(pod)) {
    const failure = waitingFailure(container);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** The first container that terminated with a non-zero exit code, described. */
export function failedTermination(pod: KubeObject): ContainerFailure | undefined {
  for (const container of containersOf(pod)) {
    const exitCode = numberAt(container.state, ['terminated', 'exitCode']);
    if (exitCode !== undefined && exitCode !== 0) {
      const reason = stringAt(container.state, ['terminated', 'reason']) ?? 'Error';
      return { container: container.name, reason, detail: describeTermination(container.state) };
    }
  }
  return undefined;
}

/**
 * In a pod whose containers restart (restartPolicy Always, the default), a container that is now terminated
 * with a non-zero exit code has crashed and waits to be restarted: it fails before the kubelet shows
 * CrashLoopBackOff. Pods that run to completion (Never, OnFailure) are judged by their phase instead.
 */
export function crashedContainer(pod: KubeObject): ContainerFailure | undefined {
  if ((stringAt(pod, ['spec', 'restartPolicy']) ?? 'Always') !== 'Always') return undefined;
  if (stringAt(pod, ['status', 'phase']) === 'Failed') return undefined;
  for (const status of recordsAt(pod, ['status', 'containerStatuses'])) {
    const state = isRecord(status.state) ? status.state : {};
    const exitCode = numberAt(state, ['terminated', 'exitCode']);
    if (exitCode === undefined || exitCode === 0) continue;
    const name = typeof status.name === 'string' ? status.name : '?';
    return { container: name, reason: 'terminated', detail: describeTermination(state) };
  }
  return undefined;
}

/** The first container waiting for any reason (ContainerCreating, PodInitializing, ...). */
export function waitingContainer(pod: KubeObject): ContainerFailure | undefined {
  for (const container of containersOf(pod)) {
    const reason = stringAt(container.state, ['waiting', 'reason']);
    if (reason !== undefined) {
      const message = stringAt(container.state, ['waiting', 'message']) ?? '';
      return { container: container.name, reason, detail: clip(message, 120) };
    }
  }
  return undefined;
}

/** Names of regular containers that are not ready. */
export function unreadyContainers(pod: KubeObject): string[] {
  return recordsAt(pod, ['status', 'containerStatuses'])
    .filter((status) => status.ready !== true)
    .map((status) => (typeof status.name === 'string' ? status.name : '?'));
}

function failedPodIssue(pod: KubeObject, name: string): PodIssue {
  const termination = failedTermination(pod);
  const reason = stringAt(pod, ['status', 'reason']) ?? termination?.reason ?? 'Failed';
  const message = stringAt(pod, ['status', 'message']);
  const detail =
    message !== undefined
      ? clip(message, 120)
      : termination === undefined
        ? ''
        : `container ${termination.container}: ${termination.detail}`;
  return { pod: name, reason, detail, degraded: true };
}

/** Why a pod is not ready, or undefined when it is ready (or finished successfully). */
export function podIssue(pod: KubeObject): PodIssue | undefined {
  const name = pod.metadata.name;
  const phase = stringAt(pod, ['status', 'phase']);
  if (stringAt(pod, ['metadata', 'deletionTimestamp']) !== undefined) {
    return { pod: name, reason: 'Terminating', detail: '', degraded: false };
  }
  if (phase === 'Succeeded') return undefined;
  if (phase === 'Failed') return failedPodIssue(pod, name);
  const failure = failingContainer(pod) ?? crashedContainer(pod);
  if (failure !== undefined)
    return { pod: name, reason: failure.reason, detail: failure.detail, degraded: true };
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False') {
    const reason = scheduled.reason === '' ? 'Unschedulable' : scheduled.reason;
    return { pod: name, reason, detail: clip(scheduled.message, 120), degraded: false };
  }
  const waiting = waitingContainer(pod);
  if (waiting !== undefined) return { pod: name, reason: waiting.reason, detail: '', degraded: false };
  if (phase !== 'Running') return { pod: name, reason: phase ?? 'Pending', detail: '', degraded: false };
  if (conditionOf(pod, 'Ready')?.status === 'True') return undefined;
  const unready = unreadyContainers(pod);
  const detail =
    unready.length === 0 ? '' : `${unready.length === 1 ? 'container' : 'containers'} ${unready.join(', ')}`;
  return { pod: name, reason: 'not ready', detail, degraded: false };
}

function formatIssue(issue: PodIssue): string {
  const base = `pod ${issue.pod} ${issue.reason}`;
  return issue.detail === '' ? base : `${base} (${issue.detail})`;
}

/**
 * Names the first few pods that are not ready and why, those that will not recover first:
 * "pod web-7f9 CrashLoopBackOff (Error, exit code 1); pod web-2kq ContainerCreating; 2 more pods not ready".
 */
export function describePodIssues(
  pods: readonly KubeObject[],
  options: PodIssueOptions = {},
): { degraded: boolean; text: string } {
  const limit = options.limit ?? 3;
  const considered = options.ignoreFailedPods
    ? pods.filter((pod) => stringAt(pod, ['status', 'phase']) !== 'Failed')
    : pods;
  const issues = considered.map(podIssue).filter((issue): issue is PodIssue => issue !== undefined);
  // Stable: the failing ones first, each group in the caller's order.
  const ordered = [...issues.filter((i) => i.degraded), ...issues.filter((i) => !i.degraded)];
  const named = ordered.slice(0, limit).map(formatIssue);
  const rest = ordered.length - named.length;
  if (rest > 0) named.push(`${countOf(rest, 'more pod')} not ready`);
  return { degraded: ordered.some((issue) => issue.degraded), text: named.join('; ') };
}
