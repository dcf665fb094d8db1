/**
 * Bursts and repeats: events of the same kind on the same commit within a window become one group (one
 * message for 40 apps failing on one commit), and a policy sends at most N messages per period — what is
 * held back is counted into the next message ("and 12 more"). Pure: the notifier owns the clock and timers.
 */
import type { NotifyEventName } from '../crd/notification-policy.js';
import type { NotificationEvent } from './decide.js';

/** Events waiting for their window to close. */
export interface PendingGroup {
  key: string;
  event: NotifyEventName;
  revision?: string;
  /** When the first event arrived (ms). */
  openedAt: number;
  /** At most one per app: the latest. */
  items: NotificationEvent[];
}

/** What groups events: their kind and commit. */
export function groupKeyOf(event: NotificationEvent): string {
  return `${event.event}|${event.revision ?? ''}`;
}

/** `groups` with `event` added to its group (opened at `nowMs` if new). Pure. */
export function addToGroups(
  groups: readonly PendingGroup[],
  event: NotificationEvent,
  nowMs: number,
): PendingGroup[] {
  const key = groupKeyOf(event);
  const existing = groups.find((g) => g.key === key);
  if (existing === undefined) {
    return [
      ...groups,
      {
        key,
        event: event.event,
        ...(event.revision === undefined ? {} : { revision: event.revision }),
        openedAt: nowMs,
        items: [event],
      },
    ];
  }
  return groups.map((g) =>
    g === existing ? { ...g, items: [...g.items.filter((i) => i.app !== event.app), event] } : g,
  );
}

/** The groups whose window has closed at `nowMs`, and the rest. Pure. */
export function takeDue(
  groups: readonly PendingGroup[],
  nowMs: number,
  windowMs: number,
): { due: PendingGroup[]; rest: PendingGroup[] } {
  const due: PendingGroup[] = [];
  const rest: PendingGroup[] = [];
  for (const g of groups) (nowMs - g.openedAt >= windowMs ? due : rest).push(g);
  return { due, rest };
}

/** The rate limit window in progress (kept in the policy status). */
export interface RateState {
  windowStart: string;
  sent: number;
  /** Events held back since the last message that went out. */
  suppressed: number;
}

export interface RateLimit {
  messages: number;
  perMs: number;
}

/**
 * Whether a message of `count` events may go out now. When it may, `carried` is how many events were held
 * back before it (the message says "and N more"); when it may not, they are counted. Pure.
 */
export function admit(
  rate: RateState | undefined,
  now: Date,
  limit: RateLimit,
  count: number,
): { send: boolean; carried: number; rate: RateState } {
  const start = rate === undefined ? Number.NaN : Date.parse(rate.windowStart);
  const current: RateState =
    rate === undefined || !(now.getTime() - start < limit.perMs)
      ? { windowStart: now.toISOString(), sent: 0, suppressed: rate?.suppressed ?? 0 }
      : rate;
  if (current.sent < limit.messages)
    return {
      send: true,
      carried: current.suppressed,
      rate: { ...current, sent: current.sent + 1, suppressed: 0 },
    };
  return { send: false, carried: 0, rate: { ...current, suppressed: current.suppressed + count } };
}
