/**
 * Image automation as notifications: a run's report (src/image/update/report.ts) becomes one observation
 * per Application it concerns — images committed for it (`image-updated`), images held back from it by a
 * rollback (`image-held`), or neither any more (a hold that ended) — and each is decided against what was
 * last sent for that app: an update once per commit, a hold once until it ends (not once per scan, nor
 * again for each newer image it holds back). The state is the policy status's
 * (like drift), so a restarted controller re-sends nothing. Pure.
 */
import type { AppNotifyState, NotifyEventName } from '../crd/notification-policy.js';
import type { ImageUpdateReport, ReportedApp, ReportedImage } from '../image/update/report.js';
import type { NotificationEvent } from './decide.js';
import { shortHash } from './decide.js';
import type { AppObservation } from './observe.js';

/** What a run did for one app, as an event carries it. */
export interface ImageNotice {
  /** `namespace/name` of the ImageUpdateAutomation. */
  automation: string;
  /** The repository, without credentials, and the branch the app deploys from. */
  repository: string;
  branch: string;
  images: ReportedImage[];
  /** updated: the commit and the branch it was pushed to, or the pull request opened for it. */
  commit?: string;
  pushedTo?: string;
  pullRequest?: { url: string; number: number };
  /** held: why ("held by rollback of app X (...)"). */
  reason?: string;
}

/** One app's part of an image automation run. */
export interface ImageObservation {
  what: 'updated' | 'held' | 'released';
  app: ReportedApp;
  notice: ImageNotice;
}

/** The observations of one run, one per app it concerns (updated, held, or covered and not held). Pure. */
export function imageObservations(report: ImageUpdateReport): ImageObservation[] {
  const common = { automation: report.automation, repository: report.repository, branch: report.branch };
  const out: ImageObservation[] = [];
  const seen = new Set<string>();
  const keyOf = (app: ReportedApp): string => `${app.namespace}/${app.name}`;
  for (const entry of report.updated) {
    seen.add(keyOf(entry.app));
    out.push({
      what: 'updated',
      app: entry.app,
      notice: {
        ...common,
        images: entry.images,
        ...(report.commit === undefined ? {} : { commit: report.commit }),
        ...(report.pushedTo === undefined ? {} : { pushedTo: report.pushedTo }),
        ...(report.pullRequest === undefined ? {} : { pullRequest: report.pullRequest }),
      },
    });
  }
  for (const entry of report.held) {
    seen.add(keyOf(entry.app));
    out.push({
      what: 'held',
      app: entry.app,
      notice: { ...common, images: entry.images, reason: entry.reason },
    });
  }
  // A failed or suspended run says nothing about holds: only a run that read the repository releases one.
  if (report.outcome === 'pushed' || report.outcome === 'unchanged')
    for (const app of report.covered)
      if (!seen.has(keyOf(app))) out.push({ what: 'released', app, notice: { ...common, images: [] } });
  return out;
}

/** The events and state of one image observation; `state` undefined: nothing to keep. Pure. */
export function decideImage(
  state: AppNotifyState | undefined,
  observation: ImageObservation,
  now: Date,
  events: readonly NotifyEventName[],
): { events: NotificationEvent[]; state: AppNotifyState | undefined } {
  const key = `${observation.app.namespace}/${observation.app.name}`;
  const { notice } = observation;
  if (observation.what === 'released') {
    if (state?.imageHeld === undefined) return { events: [], state };
    const next: AppNotifyState = { ...state, updatedAt: now.toISOString() };
    delete next.imageHeld;
    return { events: [], state: next };
  }
  const next: AppNotifyState = { ...(state ?? { app: key }), app: key, updatedAt: now.toISOString() };
  const images = notice.images.map((i) => `${i.path}:${i.before}>${i.after}`).join(';');
  let event: NotifyEventName | undefined;
  if (observation.what === 'updated') {
    const print = shortHash(`${notice.commit ?? ''};${images}`);
    if (state?.image !== print) event = 'image-updated';
    next.image = print;
    delete next.imageHeld;
  } else {
    // Once per hold: the same rollback holding newer images, or moving from "requested" to "reverted",
    // is the same hold (only whose rollback holds it counts).
    const print = shortHash((notice.reason ?? '').replace(/ \(.*\)$/s, ''));
    if (state?.imageHeld !== print) event = 'image-held';
    next.imageHeld = print;
  }
  if (event === undefined || !events.includes(event)) return { events: [], state: next };
  return {
    events: [
      {
        event,
        app: key,
        at: now.toISOString(),
        ...(notice.commit === undefined ? {} : { revision: notice.commit }),
        observation: appObservationOf(observation, event),
        image: notice,
      },
    ],
    state: next,
  };
}

/** The observation a message is built from: the app, the commit, and its images before -> after. */
function appObservationOf(observation: ImageObservation, event: NotifyEventName): AppObservation {
  const { app, notice } = observation;
  return {
    app: `${app.namespace}/${app.name}`,
    namespace: app.namespace,
    name: app.name,
    labels: app.labels,
    kind: event,
    trigger: 'image',
    ...(notice.commit === undefined ? {} : { revision: notice.commit }),
    changes: { created: [], changed: [], pruned: [], failed: [] },
    images: notice.images.map((i) => ({ subject: i.path, path: 'image', before: i.before, after: i.after })),
    outOfSync: false,
    drift: { detected: [], corrected: [] },
    repoURL: app.repoURL,
  };
}
