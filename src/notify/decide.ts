/**
 * Which notifications one observation of one app causes, given what was last sent for that app: an event
 * is sent once per change of state (failing -> failing again on the same commit sends nothing; failing ->
 * succeeding sends `recovered`), never per reconcile. The state returned is what the caller persists (in
 * the policy status), so a restarted controller decides from the same place. Pure.
 */
import type { AppNotifyState, NotifyEventName } from '../crd/notification-policy.js';
import type { ImageNotice } from './image.js';
import type { AppObservation, DriftItem } from './observe.js';

/** One thing to tell people about one app. */
export interface NotificationEvent {
  event: NotifyEventName;
  /** `namespace/name` */
  app: string;
  revision?: string;
  /** ISO time it was decided. */
  at: string;
  /** What recovered, for `recovered`: the sync, the health, or both. */
  recoveredFrom?: ('sync' | 'health')[];
  /** When the app went OutOfSync, for `out-of-sync`. */
  outOfSyncSince?: string;
  /** What an image automation run did, for `image-updated` and `image-held`. */
  image?: ImageNotice;
  observation: AppObservation;
}

/** What a policy asks for, as decideNotifications reads it. */
export interface DecidePolicy {
  events: readonly NotifyEventName[];
  outOfSyncAfterMs: number;
}

export interface Decision {
  events: NotificationEvent[];
  state: AppNotifyState;
}

/** The events `observation` causes after `state`, and the state to keep. Pure. */
export function decideNotifications(
  state: AppNotifyState | undefined,
  observation: AppObservation,
  now: Date,
  policy: DecidePolicy,
): Decision {
  const previous: AppNotifyState = state ?? { app: observation.app };
  const next: AppNotifyState = { ...previous, app: observation.app, updatedAt: now.toISOString() };
  const at = now.toISOString();
  const candidates: NotificationEvent[] = [];
  const base = {
    app: observation.app,
    at,
    observation,
    ...(observation.revision === undefined ? {} : { revision: observation.revision }),
  };
  const recoveredFrom: ('sync' | 'health')[] = [];

  const sync = observation.sync;
  if (sync !== undefined) {
    const sameRevision = previous.revision === observation.revision;
    if (sync.result === 'Failed') {
      if (!(previous.sync === 'Failed' && sameRevision)) candidates.push({ ...base, event: 'sync-failed' });
    } else if (previous.sync === 'Failed') {
      recoveredFrom.push('sync');
    } else if (sync.recorded && !(previous.sync === 'Succeeded' && sameRevision)) {
      candidates.push({ ...base, event: observation.trigger === 'rollback' ? 'rollback' : 'sync-succeeded' });
    }
    if (sync.result === 'Succeeded' && !sameRevision) delete next.drift;
    next.sync = sync.result;
    if (observation.revision === undefined) delete next.revision;
    else next.revision = observation.revision;
  }

  const health = observation.health?.status;
  if (health === 'Degraded' && previous.health !== 'Degraded')
    candidates.push({ ...base, event: 'health-degraded' });
  if (health === 'Healthy' && previous.health === 'Degraded') recoveredFrom.push('health');
  // Progressing, Unknown and the rest are passing states: they neither send nor reset what was sent.
  if (health === 'Healthy' || health === 'Degraded') next.health = health;

  if (recoveredFrom.length > 0) candidates.push({ ...base, event: 'recovered', recoveredFrom });

  decideOutOfSync(previous, next, observation, now, policy, candidates, base);
  decideDrift(previous, next, observation, candidates, base);
  decideRollout(previous, next, observation, candidates, base);
  return { events: wanted(candidates, policy.events), state: next };
}

/** `out-of-sync` once an app has been OutOfSync for `outOfSyncAfterMs`; once per stretch. */
function decideOutOfSync(
  previous: AppNotifyState,
  next: AppNotifyState,
  observation: AppObservation,
  now: Date,
  policy: DecidePolicy,
  candidates: NotificationEvent[],
  base: Omit<NotificationEvent, 'event'>,
): void {
  if (!observation.outOfSync) {
    delete next.outOfSyncSince;
    delete next.outOfSyncSent;
    return;
  }
  const since = previous.outOfSyncSince ?? now.toISOString();
  next.outOfSyncSince = since;
  if (previous.outOfSyncSent !== true && now.getTime() - Date.parse(since) >= policy.outOfSyncAfterMs) {
    candidates.push({ ...base, event: 'out-of-sync', outOfSyncSince: since });
    next.outOfSyncSent = true;
  }
}

/** Drift: sent once per distinct drift (the same fields of the same objects again send nothing). */
function decideDrift(
  previous: AppNotifyState,
  next: AppNotifyState,
  observation: AppObservation,
  candidates: NotificationEvent[],
  base: Omit<NotificationEvent, 'event'>,
): void {
  const { detected, corrected } = observation.drift;
  if (detected.length > 0) {
    const print = `detected:${driftFingerprint(detected)}`;
    if (previous.drift !== print) candidates.push({ ...base, event: 'drift-detected' });
    next.drift = print;
  }
  if (corrected.length > 0) {
    const print = `corrected:${driftFingerprint(corrected)}`;
    if (previous.drift !== print) candidates.push({ ...base, event: 'drift-corrected' });
    next.drift = print;
  }
}

/** Rollouts: each event once per revision (a rollout restarted from step 1 is not started twice). */
function decideRollout(
  previous: AppNotifyState,
  next: AppNotifyState,
  observation: AppObservation,
  candidates: NotificationEvent[],
  base: Omit<NotificationEvent, 'event'>,
): void {
  const rollout = observation.rollout;
  if (rollout === undefined) return;
  const print = `${rollout.event}:${rollout.revision}`;
  if (previous.rollout !== print) candidates.push({ ...base, event: `rollout-${rollout.event}` });
  next.rollout = print;
}

/** A short, stable fingerprint of a drift: objects and field paths (not values, not times). Pure. */
export function driftFingerprint(items: readonly DriftItem[]): string {
  const text = items
    .map(
      (item) =>
        `${item.subject}[${item.fields
          .map((f) => f.path)
          .sort()
          .join(',')}]`,
    )
    .sort()
    .join(';');
  return shortHash(text);
}

/** FNV-1a of `text` in 8 hex digits: the status keeps a few characters per app, not what it stands for. Pure. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The candidates the policy asks for. A recovery of a failed sync is also a successful sync: a policy that
 * asks for sync-succeeded but not recovered still hears of it.
 */
function wanted(candidates: NotificationEvent[], events: readonly NotifyEventName[]): NotificationEvent[] {
  const asked = new Set(events);
  const out: NotificationEvent[] = [];
  for (const candidate of candidates) {
    if (asked.has(candidate.event)) out.push(candidate);
    else if (
      candidate.event === 'recovered' &&
      candidate.recoveredFrom?.includes('sync') === true &&
      asked.has('sync-succeeded')
    )
      out.push({ ...candidate, event: 'sync-succeeded' });
  }
  return out;
}
