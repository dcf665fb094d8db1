/** The verdict shared by workloads whose rollout is not finished, worded with the state of their pods. */
import { describePodIssues, type PodIssueOptions } from './pods.js';
import { degraded, joinParts, progressing } from './result.js';
import type { HealthContext, HealthResult } from './types.js';

/** "2/3 pods ready". */
export function podsReady(ready: number, desired: number): string {
  return `${ready}/${desired} pods ready`;
}

/**
 * A rollout that is not done is Degraded when one of the workload's pods is stuck for a reason that will not
 * fix itself (crash loop, image pull, bad config), Progressing otherwise. `progressMessage` says what the
 * rollout waits for; `degradedSummary` leads the message when pods are failing ("2/3 pods ready").
 */
export function unfinishedRollout(
  progressMessage: string,
  degradedSummary: string,
  context: HealthContext,
  options: PodIssueOptions = {},
): HealthResult {
  const pods = describePodIssues(context.pods ?? [], options);
  if (pods.degraded) return degraded(joinParts(degradedSummary, pods.text));
  return progressing(joinParts(progressMessage, pods.text));
}
