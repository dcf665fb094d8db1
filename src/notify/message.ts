/**
 * One message from one group of events: a title, and per app what changed — commit, author and message,
 * objects created/changed/pruned, images before -> after, drift fields and who changed them, health reason,
 * a dashboard link. Sinks render it in their own format. Pure.
 */
import type { NotifyEventName } from '../crd/notification-policy.js';
import { shortCommit } from '../app/model.js';
import { formatNumber } from '../delivery/analysis.js';
import type { NotificationEvent } from './decide.js';
import type { AppObservation, DriftItem } from './observe.js';

/** Apps listed in one message; the rest are counted ("and 12 more"). */
export const MAX_APPS_PER_MESSAGE = 10;
const MAX_SUBJECTS = 8;

export type Severity = 'success' | 'warning' | 'failure' | 'info';

/** One app's part of a message. */
export interface AppSection {
  /** `namespace/name` */
  app: string;
  namespace: string;
  name: string;
  /** One line: what happened. */
  summary: string;
  /** More lines: objects, images, drift, health. */
  details: string[];
  revision?: string;
  repoURL?: string;
  link?: string;
}

/** What every sink renders. */
export interface NotificationMessage {
  /** `namespace/name` of the policy. */
  policy: string;
  event: NotifyEventName;
  severity: Severity;
  title: string;
  revision?: string;
  commit?: { author?: string; message?: string };
  apps: AppSection[];
  /** Apps of this group not listed (past MAX_APPS_PER_MESSAGE). */
  moreApps: number;
  /** Events held back by the rate limit before this message. */
  suppressed: number;
  /** The events themselves (commit status sinks post one status per app). */
  events: NotificationEvent[];
  /** The whole message as plain text. */
  text: string;
}

const SEVERITY: Record<NotifyEventName, Severity> = {
  'sync-succeeded': 'success',
  'sync-failed': 'failure',
  'health-degraded': 'failure',
  recovered: 'success',
  'drift-detected': 'warning',
  'drift-corrected': 'info',
  rollback: 'warning',
  'out-of-sync': 'warning',
  'image-updated': 'info',
  'image-held': 'warning',
  'rollout-started': 'info',
  'rollout-promoted': 'success',
  'rollout-aborted': 'failure',
};

const TITLE: Record<NotifyEventName, string> = {
  'sync-succeeded': 'synced',
  'sync-failed': 'sync failed',
  'health-degraded': 'degraded',
  recovered: 'recovered',
  'drift-detected': 'drift detected',
  'drift-corrected': 'drift corrected',
  rollback: 'rolled back',
  'out-of-sync': 'out of sync',
  'image-updated': 'images updated',
  'image-held': 'image update held',
  'rollout-started': 'rollout started',
  'rollout-promoted': 'rollout promoted',
  'rollout-aborted': 'rollout aborted',
};

/** The message of a group of events of one kind (and commit). Pure. */
export function buildMessage(input: {
  policy: string;
  events: NotificationEvent[];
  suppressed: number;
  dashboardUrl?: string;
}): NotificationMessage {
  const first = input.events[0];
  if (first === undefined) throw new Error('buildMessage: no events');
  const listed = input.events.slice(0, MAX_APPS_PER_MESSAGE);
  const apps = listed.map((e) => appSection(e, input.dashboardUrl));
  const moreApps = input.events.length - listed.length;
  const commit = first.observation.commit;
  const at = first.revision === undefined ? '' : ` at ${shortCommit(first.revision)}`;
  const who = input.events.length === 1 ? first.observation.name : `${String(input.events.length)} apps`;
  const title = `${who}: ${TITLE[first.event]}${at}`;
  const lines = [title];
  if (commit?.message !== undefined || commit?.author !== undefined)
    lines.push(`commit: ${commit.message ?? ''}${commit.author === undefined ? '' : ` (${commit.author})`}`);
  for (const app of apps) {
    lines.push(`- ${app.summary}`);
    for (const d of app.details) lines.push(`  ${d}`);
    if (app.link !== undefined) lines.push(`  ${app.link}`);
  }
  if (moreApps > 0) lines.push(`and ${String(moreApps)} more apps`);
  if (input.suppressed > 0)
    lines.push(`and ${String(input.suppressed)} more events held back by the rate limit`);
  return {
    policy: input.policy,
    event: first.event,
    severity: SEVERITY[first.event],
    title,
    ...(first.revision === undefined ? {} : { revision: first.revision }),
    ...(commit === undefined ? {} : { commit }),
    apps,
    moreApps,
    suppressed: input.suppressed,
    events: input.events,
    text: lines.join('\n'),
  };
}

/** The dashboard link of an app: `<base>/applications/<namespace>/<name>`. Pure. */
export function dashboardLink(base: string | undefined, namespace: string, name: string): string | undefined {
  if (base === undefined || base === '') return undefined;
  return `${base.replace(/\/+$/, '')}/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

function appSection(event: NotificationEvent, dashboardUrl: string | undefined): AppSection {
  const o = event.observation;
  const link = dashboardLink(dashboardUrl, o.namespace, o.name);
  return {
    app: o.app,
    namespace: o.namespace,
    name: o.name,
    summary: summaryOf(event),
    details: detailsOf(event),
    ...(o.revision === undefined ? {} : { revision: o.revision }),
    ...(o.repoURL === undefined ? {} : { repoURL: o.repoURL }),
    ...(link === undefined ? {} : { link }),
  };
}

function summaryOf(event: NotificationEvent): string {
  const o = event.observation;
  const rev = o.revision === undefined ? '' : ` ${shortCommit(o.revision)}`;
  switch (event.event) {
    case 'sync-failed':
      return `${o.app} failed to sync${rev}: ${oneLine(o.sync?.message ?? '')}`;
    case 'sync-succeeded':
      return `${o.app} synced${rev}`;
    case 'rollback':
      return `${o.app} rolled back to${rev}`;
    case 'recovered':
      return `${o.app} recovered (${(event.recoveredFrom ?? []).join(' and ')})${rev}`;
    case 'health-degraded':
      return `${o.app} is Degraded${o.health?.message === undefined ? '' : `: ${oneLine(o.health.message)}`}`;
    case 'drift-detected':
      return `${o.app}: ${String(o.drift.detected.length)} object(s) changed outside Git`;
    case 'drift-corrected':
      return `${o.app}: drift corrected on ${String(o.drift.corrected.length)} object(s)`;
    case 'out-of-sync':
      return `${o.app} has been OutOfSync since ${event.outOfSyncSince ?? event.at}`;
    case 'image-updated':
      return `${o.app}: ${imagesCount(o.images.length)} updated${whereTo(event)}`;
    case 'image-held':
      return `${o.app}: image update held, ${event.image?.reason ?? 'by a rollback'}`;
    case 'rollout-started':
    case 'rollout-promoted':
    case 'rollout-aborted':
      return rolloutSummary(event.event, o);
  }
}

function rolloutSummary(event: NotifyEventName, o: AppObservation): string {
  const r = o.rollout;
  const rev = r === undefined ? '' : shortCommit(r.revision);
  const at = r === undefined ? '' : ` at step ${String(r.step)} of ${String(r.steps)} (${String(r.weight)}%)`;
  if (event === 'rollout-started') return `${o.app}: canary of ${rev} started${at}`;
  if (event === 'rollout-promoted') return `${o.app}: ${rev} promoted, the stable runs it`;
  return `${o.app}: canary of ${rev} aborted${at}`;
}

/** The stable revision, the failed metrics and the revert of a rollout event. */
function rolloutLines(event: NotificationEvent): string[] {
  const r = event.observation.rollout;
  if (r === undefined || !event.event.startsWith('rollout-')) return [];
  const lines: string[] = [];
  if (r.stableRevision !== undefined) lines.push(`stable: ${shortCommit(r.stableRevision)}`);
  if (event.event !== 'rollout-aborted') return lines;
  for (const m of (r.failedMetrics ?? []).slice(0, MAX_SUBJECTS))
    lines.push(
      `failed metric ${m.name}: ${m.value === undefined ? 'no value' : formatNumber(m.value)}${m.message === undefined ? '' : ` (${oneLine(m.message)})`}`,
    );
  if ((r.failedMetrics ?? []).length === 0) lines.push(`reason: ${oneLine(r.message)}`);
  const revert = r.revert;
  if (revert?.how === 'pushed')
    lines.push(
      `reverted in Git: ${revert.commit === undefined ? '' : `${shortCommit(revert.commit)} `}back to ${shortCommit(revert.target ?? '')}`,
    );
  else if (revert?.how === 'pinned')
    lines.push(
      `pinned to ${shortCommit(revert.target ?? '')} (revert not pushed: ${oneLine(revert.reason ?? '')})`,
    );
  else if (revert?.how === 'failed') lines.push(`revert failed: ${oneLine(revert.reason ?? '')}`);
  return lines;
}

function imagesCount(count: number): string {
  return count === 1 ? 'image' : `${String(count)} images`;
}

/** Where an image update went: ` in a1b2c3d4e5f6 on main` or ` in pull request #12`. */
function whereTo(event: NotificationEvent): string {
  const image = event.image;
  if (image === undefined) return '';
  if (image.pullRequest !== undefined) return ` in pull request #${String(image.pullRequest.number)}`;
  const commit = image.commit === undefined ? '' : ` in ${shortCommit(image.commit)}`;
  return `${commit} on ${image.pushedTo ?? image.branch}`;
}

/** The automation, the repository and the pull request behind an image event. */
function imageLines(event: NotificationEvent): string[] {
  const image = event.image;
  if (image === undefined) return [];
  const lines = [`automation ${image.automation} (${image.repository}, branch ${image.branch})`];
  if (image.pullRequest !== undefined) lines.push(`pull request: ${image.pullRequest.url}`);
  if (event.event === 'image-held') lines.push('held back until mooring unpin');
  return lines;
}

function detailsOf(event: NotificationEvent): string[] {
  const o = event.observation;
  const lines: string[] = [];
  const list = (label: string, subjects: string[]): void => {
    if (subjects.length === 0) return;
    const more = subjects.length > MAX_SUBJECTS ? ` and ${String(subjects.length - MAX_SUBJECTS)} more` : '';
    lines.push(`${label}: ${subjects.slice(0, MAX_SUBJECTS).join(', ')}${more}`);
  };
  list('created', o.changes.created);
  list('changed', o.changes.changed);
  list('pruned', o.changes.pruned);
  list('failed', o.changes.failed);
  for (const image of o.images.slice(0, MAX_SUBJECTS))
    lines.push(`image ${image.subject}: ${image.before} -> ${image.after}`);
  lines.push(...imageLines(event), ...rolloutLines(event));
  if (event.event === 'drift-detected') lines.push(...o.drift.detected.slice(0, MAX_SUBJECTS).map(driftLine));
  if (event.event === 'drift-corrected')
    lines.push(...o.drift.corrected.slice(0, MAX_SUBJECTS).map(driftLine));
  if (o.health !== undefined && event.event !== 'health-degraded')
    lines.push(
      `health: ${o.health.status}${o.health.message === undefined ? '' : ` (${oneLine(o.health.message)})`}`,
    );
  return lines;
}

function driftLine(item: DriftItem): string {
  const fields = item.fields.map((f) =>
    f.changedBy.length === 0 ? f.path : `${f.path} (changed by ${f.changedBy.join(', ')})`,
  );
  return `drift ${item.subject}: ${fields.length === 0 ? (item.message ?? 'changed') : fields.join(', ')}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
