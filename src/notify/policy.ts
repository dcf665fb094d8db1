/**
 * Which Applications a NotificationPolicy may and does select, and the bounded form of its state as kept
 * in its status. Tenancy: a policy outside the controller namespace only ever sees Applications of its
 * own namespace, whatever its selector says. Pure.
 */
import { durationMs } from '../crd/common.js';
import type { AppNotifyState, NotificationPolicy } from '../crd/notification-policy.js';
import type { AppObservation } from './observe.js';

/** At most this many apps' state in one policy's status (the least recently changed are dropped). */
export const MAX_APP_STATES = 500;

/** Whether `policy` selects the app of `observation`. Pure. */
export function selects(
  policy: NotificationPolicy,
  observation: Pick<AppObservation, 'namespace' | 'name' | 'labels'>,
  controllerNamespace: string,
): boolean {
  const selector = policy.spec.selector;
  const own = policy.metadata.namespace;
  const namespaces = own === controllerNamespace ? (selector.namespaces ?? [own]) : [own];
  if (
    !namespaces.includes(observation.namespace) &&
    !(own === controllerNamespace && namespaces.includes('*'))
  )
    return false;
  if (selector.names !== undefined && selector.names.length > 0 && !selector.names.includes(observation.name))
    return false;
  for (const [key, value] of Object.entries(selector.labelSelector?.matchLabels ?? {}))
    if (observation.labels[key] !== value) return false;
  return true;
}

/** Why a policy's selector is narrowed, when it is (said in its status). Pure. */
export function selectorWarning(policy: NotificationPolicy, controllerNamespace: string): string | undefined {
  const own = policy.metadata.namespace;
  const others = (policy.spec.selector.namespaces ?? []).filter((ns) => ns !== own);
  if (own === controllerNamespace || others.length === 0) return undefined;
  return `selector.namespaces ${others.join(', ')} ignored: only a policy in ${controllerNamespace} selects other namespaces`;
}

/** The policy's windows and limits in milliseconds. Pure. */
export function timingsOf(policy: NotificationPolicy): {
  groupWindowMs: number;
  outOfSyncAfterMs: number;
  rate: { messages: number; perMs: number };
} {
  return {
    groupWindowMs: durationMs(policy.spec.groupWindow),
    outOfSyncAfterMs: durationMs(policy.spec.outOfSyncAfter),
    rate: { messages: policy.spec.rateLimit.messages, perMs: durationMs(policy.spec.rateLimit.per) },
  };
}

/** The states to keep in status: at most MAX_APP_STATES, the most recently changed, sorted by app. Pure. */
export function boundedStates(states: Iterable<AppNotifyState>): AppNotifyState[] {
  return [...states]
    .sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''))
    .slice(0, MAX_APP_STATES)
    .sort((a, b) => a.app.localeCompare(b.app));
}
