/**
 * What a reconcile report says about one app, reduced to what notifications need: the sync's result, the
 * commit, what changed, the app's health and sync status after it, and drift. Written against the report's
 * current shape and reading status after the report (the status sink runs first), so report kinds this
 * module does not know still contribute their health and sync status. Pure.
 */
import type { ObjectOutcome } from '../apply/types.js';
import type { ReconcileReport, RequestReport } from '../controller/report.js';
import { appKeyOf } from '../app/model.js';
import { weightsOf } from '../delivery/machine.js';

/** One object someone changed behind Mooring's back, with the fields and who changed them. */
export interface DriftItem {
  subject: string;
  fields: { path: string; changedBy: string[] }[];
  message?: string;
}

/** An image that changed in this sync. */
export interface ImageChange {
  subject: string;
  path: string;
  before: string;
  after: string;
}

/**
 * A rollout event notifications tell (read from a report of kind 'rollout'): the revision, the step reached
 * of all steps and its weight, and for an abort why, the failed metrics with their values and the revert.
 */
export interface RolloutObservation {
  event: 'started' | 'promoted' | 'aborted';
  /** The revision rolled out, and the one the stable ran before it. */
  revision: string;
  stableRevision?: string;
  /** 1-based step and the number of steps; the canary's share of traffic (%) at that step. */
  step: number;
  steps: number;
  weight: number;
  /** aborted: why (the abort's reason); otherwise status.delivery's message. */
  message: string;
  /** aborted: the metrics that failed, with their last values. */
  failedMetrics?: { name: string; value?: number; message?: string }[];
  /** aborted: what was done in Git (a revert commit pushed, a pin, nothing). */
  revert?: RequestReport;
}

/** One report, as notifications see it. */
export interface AppObservation {
  /** `namespace/name` */
  app: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** The report kind ('sync', 'heal', or a kind this module does not know). */
  kind: string;
  trigger: string;
  /** Set when the report is a sync that ran (not a dry run). */
  sync?: { result: 'Succeeded' | 'Failed'; message: string; recorded: boolean };
  revision?: string;
  commit?: { author?: string; message?: string };
  changes: { created: string[]; changed: string[]; pruned: string[]; failed: string[] };
  images: ImageChange[];
  health?: { status: string; message?: string };
  outOfSync: boolean;
  drift: { detected: DriftItem[]; corrected: DriftItem[] };
  /** The repository (for commit statuses). */
  repoURL?: string;
  /** The SyncRecord written, when there is one. */
  recordName?: string;
  /** A progressive rollout that started, was promoted or aborted (report kind 'rollout'). */
  rollout?: RolloutObservation;
}

const CHANGED: ReadonlySet<string> = new Set(['configured', 'recreated']);

/** Reduces a report to an observation; never throws on a report kind or field it does not know. */
export function observe(report: ReconcileReport): AppObservation {
  const app = report.app;
  const after = app.status;
  const outcomes: ObjectOutcome[] = Array.isArray(report.outcomes) ? report.outcomes : [];
  const kind = report.kind as string;
  const result = report.result;
  const lastSync = report.status.lastSync;
  let sync: AppObservation['sync'];
  if (kind === 'sync' && result !== undefined && !result.dryRun) {
    const failed = result.error !== undefined || outcomes.some((o) => o.action === 'failed');
    sync = {
      result: failed ? 'Failed' : 'Succeeded',
      message: result.error?.message ?? lastSync?.message ?? '',
      recorded: report.record !== undefined,
    };
  } else if (kind !== 'heal' && kind !== 'sync' && lastSync?.result !== undefined) {
    sync = {
      result: lastSync.result === 'Succeeded' ? 'Succeeded' : 'Failed',
      message: lastSync.message ?? '',
      recorded: report.record !== undefined,
    };
  }
  const rollout = kind === 'rollout' ? rolloutOf(report) : undefined;
  const revision =
    rollout?.revision ?? report.record?.revision ?? lastSync?.revision ?? after?.sync?.revision;
  const commit = report.record?.commit ?? {
    ...(after?.source?.author === undefined ? {} : { author: after.source.author }),
    ...(after?.source?.commitSubject === undefined ? {} : { message: after.source.commitSubject }),
  };
  const subjects = (pick: (o: ObjectOutcome) => boolean): string[] =>
    outcomes.filter(pick).map((o) => o.subject);
  const isHeal = kind === 'heal';
  return {
    app: appKeyOf(app),
    namespace: app.metadata.namespace,
    name: app.metadata.name,
    labels: app.metadata.labels ?? {},
    kind,
    trigger: report.trigger,
    ...(sync === undefined ? {} : { sync }),
    ...(revision === undefined ? {} : { revision }),
    ...(commit.author === undefined && commit.message === undefined ? {} : { commit }),
    changes: isHeal
      ? { created: [], changed: [], pruned: [], failed: [] }
      : {
          created: subjects((o) => o.action === 'created'),
          changed: subjects((o) => CHANGED.has(o.action)),
          pruned: subjects((o) => o.action === 'pruned'),
          failed: subjects((o) => o.action === 'failed'),
        },
    images: isHeal ? [] : imagesOf(report),
    ...(after?.health === undefined
      ? {}
      : {
          health: {
            status: after.health.status,
            ...(after.health.message === undefined ? {} : { message: after.health.message }),
          },
        }),
    outOfSync: after?.sync?.status === 'OutOfSync',
    drift: isHeal
      ? {
          detected: outcomes.filter((o) => o.action === 'unchanged' || o.action === 'failed').map(driftItem),
          corrected: outcomes.filter((o) => o.action !== 'unchanged' && o.action !== 'failed').map(driftItem),
        }
      : { detected: [], corrected: [] },
    ...(typeof app.spec.source.repoURL === 'string' ? { repoURL: app.spec.source.repoURL } : {}),
    ...(report.recordName === undefined ? {} : { recordName: report.recordName }),
    ...(rollout === undefined ? {} : { rollout }),
  };
}

/**
 * The rollout event a report tells, if any: started, promoted, aborted (a cancelled rollout, Git back on the
 * stable template, is an abort too). Steps, waits, checks and a resumed rollout are not told.
 */
function rolloutOf(report: ReconcileReport): RolloutObservation | undefined {
  const r = report.rollout;
  if (r === undefined) return undefined;
  const event =
    r.event === 'started' || r.event === 'promoted'
      ? r.event
      : r.event === 'aborted' || r.event === 'cancelled'
        ? 'aborted'
        : undefined;
  const d = r.delivery;
  if (event === undefined || d.revision === undefined) return undefined;
  const delivery = report.app.spec.delivery;
  return {
    event,
    revision: d.revision,
    ...(d.stableRevision === undefined ? {} : { stableRevision: d.stableRevision }),
    step: (d.step ?? 0) + 1,
    steps: delivery === undefined ? 0 : weightsOf(delivery).length,
    weight: d.canaryWeight ?? 0,
    message: r.abort?.reason ?? d.message ?? '',
    ...(r.abort === undefined
      ? {}
      : {
          failedMetrics: r.abort.failedMetrics.map((m) => ({
            name: m.name,
            ...(m.value === undefined ? {} : { value: m.value }),
            ...(m.message === undefined ? {} : { message: m.message }),
          })),
          ...(r.abort.revert === undefined ? {} : { revert: r.abort.revert }),
        }),
  };
}

function driftItem(outcome: ObjectOutcome): DriftItem {
  return {
    subject: outcome.subject,
    fields: (outcome.drift ?? []).map((f) => ({
      path: f.path,
      changedBy: f.changedBy.map((owner) => owner.manager),
    })),
    ...(outcome.message === undefined ? {} : { message: outcome.message }),
  };
}

/** Images before -> after, from the diffs of the objects the sync configured. */
function imagesOf(report: ReconcileReport): ImageChange[] {
  const images: ImageChange[] = [];
  for (const validated of report.result?.validated ?? []) {
    for (const change of validated.diff?.changes ?? []) {
      if (!/(^|\.)image$/.test(change.path)) continue;
      if (typeof change.before !== 'string' || typeof change.after !== 'string') continue;
      images.push({
        subject: validated.planned.ref.kind + '/' + validated.planned.ref.name,
        path: change.path,
        before: change.before,
        after: change.after,
      });
    }
  }
  return images.slice(0, 20);
}
