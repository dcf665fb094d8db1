/**
 * What one turn of one app did, as data, and the sinks that consume it: SyncRecords, Events and the
 * status writer (in that order: status names the SyncRecord). Metrics and notifications attach as more
 * sinks, without touching the reconciler. Every status write of the controller goes through a report, so
 * a sink sees every state change. The report builders are pure.
 *
 * Report kinds (`ReconcileReport.kind`):
 * - `sync`      a full reconcile that ran the engine (result, outcomes, maybe a SyncRecord);
 * - `heal`      drift the watch saw, corrected (enforce) or reported (warn) — also when nothing differed;
 * - `unchanged` a poll or webhook that found nothing new: status rebuilt from the live cache (written only if
 *               it differs: a health change missed by the signals still reaches status and the sinks);
 * - `hold`      a commit not applied: it stalled (terminal failure) or was rolled back (`failure` says why;
 *               status rebuilt with it, so Stalled stays while health moves);
 * - `refusal`   the app's Project refused it (`failure`);
 * - `failure`   a failure before the engine: source, unknown or unreachable cluster, custom health checks;
 * - `wait`      waiting for a dependency (`failure`, retry class waiting);
 * - `request`   a rollback or unpin acted on (`request`; status fields set directly);
 * - `intent`    the inventory written before a sync applies anything (status fields set directly);
 * - `health`    a turn that only had a health signal: status refreshed from the live cache;
 * - `rollout`   a turn of a progressive rollout (spec.delivery): `rollout` says what happened (started, a
 *               step, a check, promoted, aborted...); status.delivery set directly; an abort's SyncRecord.
 * Any report that rebuilt status carries `health` (aggregated before → after, set by the status sink): a
 * change there, whatever the kind, is "degraded" or "recovered" for notifications.
 */
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ObjectOutcome } from '../apply/types.js';
import type { SyncFailure, SyncResult } from '../engine/types.js';
import type { DeliveryStatus } from '../crd/delivery.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ResolvedSource } from '../source/types.js';
import type { Application, ApplicationStatus, Trigger } from '../app/model.js';
import { shortCommit } from '../app/model.js';
import { recordEvent } from './events.js';
import type { RecordInput } from './records.js';
import { recordSync, resultOf, syncRecordFor } from './records.js';
import type { AppMemory, StatusFields, StatusWrite } from './reconciler.js';
import type { PlannedObject } from '../plan/types.js';

export interface ReportEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What one turn of one app produced (see the kinds above). */
export type ReportKind =
  | 'sync'
  | 'heal'
  | 'unchanged'
  | 'hold'
  | 'refusal'
  | 'failure'
  | 'wait'
  | 'request'
  | 'intent'
  | 'health'
  | 'rollout';

/** The app's aggregated health before and after the status write (the message names the worst object). */
export interface HealthChange {
  before?: { status: string; message: string } | undefined;
  after: { status: string; message: string };
}

/** A rollback or unpin the controller acted on. */
export interface RequestReport {
  kind: 'rollback' | 'unpin';
  /** rollback: the commit asked for (resolved from 'previous'). */
  target?: string;
  /** rollback: a revert commit pushed, the app pinned, or nothing done (no earlier revision). */
  how?: 'pushed' | 'pinned' | 'failed';
  /** rollback pushed: the revert commit. */
  commit?: string;
  /** rollback pinned or failed: why. */
  reason?: string;
}

/**
 * What a rollout turn did: `started` (the canary runs its first step), `resumed` (a restarted controller
 * picked it up), `step` (a new weight), `progress` (waiting, a check, a gate: status moved), `promoting`
 * (analysis passed, the stable gets the new template), `promoted`, `aborted` (traffic back on stable, the
 * revert in Git), `cancelled` (Git went back to the stable template during the rollout).
 */
export type RolloutEvent =
  'started' | 'resumed' | 'step' | 'progress' | 'promoting' | 'promoted' | 'aborted' | 'cancelled';

/** kind 'rollout': one turn of a progressive rollout, for metrics and notifications. */
export interface RolloutReport {
  event: RolloutEvent;
  /** status.delivery after this turn (the status sink writes it). */
  delivery: DeliveryStatus;
  /** The analysis check this turn ran, if it ran one: each metric's verdict. */
  check?: NonNullable<DeliveryStatus['metrics']>;
  /** aborted: why, the failed metrics with their values, the time to traffic back on stable, the revert. */
  abort?: {
    reason: string;
    failedMetrics: NonNullable<DeliveryStatus['metrics']>;
    backOnStableMs: number;
    /** The Git side: the commit reverted to and how (undefined: no earlier revision known). */
    revert?: RequestReport | undefined;
  };
}

/** The outcome of one turn of one app. */
export interface ReconcileReport {
  kind: ReportKind;
  app: Application;
  memory: AppMemory;
  trigger: Trigger;
  /** The SyncRecord to keep in history, when there is one. */
  record?: Omit<RecordInput, 'app'>;
  /** Events for people, in order. */
  events: ReportEvent[];
  /** What status says after this reconcile (lastSync without its SyncRecord name: the record sink adds it). */
  status: StatusWrite;
  /** The sync's result, for sinks that count (metrics). */
  result?: SyncResult;
  outcomes: ObjectOutcome[];
  /** Set by the record sink: the SyncRecord written. */
  recordName?: string;
  /** Why nothing was synced (refusal, failure, hold, wait), with its retry class. */
  failure?: SyncFailure;
  /** kind 'request': what was asked and done. */
  request?: RequestReport;
  /** Set by the status sink when status was rebuilt: the aggregated health before and after. */
  health?: HealthChange;
  /** kind 'rollout': what the rollout turn did. */
  rollout?: RolloutReport;
}

/** Consumes a report (writes records, events, status; later metrics, notifications). */
export type ReportSink = (report: ReconcileReport) => Promise<void>;

/** The report of a full reconcile that ran the engine. Pure. */
export function syncReport(input: {
  app: Application;
  memory: AppMemory;
  trigger: Trigger;
  startedAt: string;
  finishedAt: string;
  fetched: ResolvedSource;
  result: SyncResult;
}): ReconcileReport {
  const { app, memory, trigger, startedAt, finishedAt, fetched, result } = input;
  const changed = result.outcomes.some((o) => o.action !== 'unchanged');
  const worthRecording = !result.dryRun && (changed || result.error !== undefined || trigger === 'manual');
  const message =
    result.error?.message ??
    result.outcomes
      .filter((o) => o.action !== 'unchanged')
      .map((o) => `${o.action} ${o.subject}`)
      .slice(0, 10)
      .join(', ');
  const lastSync: NonNullable<ApplicationStatus['lastSync']> = {
    startedAt,
    finishedAt,
    revision: fetched.commit.sha,
    result: resultOf(result),
    trigger,
    message: result.error?.message ?? '',
  };
  return {
    kind: 'sync',
    app,
    memory,
    trigger,
    ...(worthRecording
      ? {
          record: {
            trigger,
            startedAt,
            finishedAt,
            revision: fetched.commit.sha,
            commit: {
              author: `${fetched.commit.authorName} <${fetched.commit.authorEmail}>`,
              message: fetched.commit.subject,
            },
            result: resultOf(result),
            message,
            outcomes: result.outcomes,
          },
        }
      : {}),
    events: worthRecording
      ? [
          {
            type: result.error === undefined ? 'Normal' : 'Warning',
            reason: result.error === undefined ? 'Synced' : 'SyncFailed',
            message: `${shortCommit(fetched.commit.sha)}: ${message === '' ? 'no changes' : message}`,
          },
        ]
      : [],
    status: {
      result,
      planned: result.planned ?? [...memory.planned.values()],
      fetched,
      ...(result.dryRun ? {} : { lastSync }),
    },
    result,
    outcomes: result.outcomes,
  };
}

/** The report of a heal: a 'drift' SyncRecord of what was corrected, an Event per object. Pure. */
export function healReport(input: {
  app: Application;
  memory: AppMemory;
  outcomes: ObjectOutcome[];
  startedAt: string;
  finishedAt: string;
}): ReconcileReport {
  const { app, memory, outcomes } = input;
  const corrected = outcomes.filter((o) => o.action !== 'unchanged');
  return {
    kind: 'heal',
    app,
    memory,
    trigger: 'drift',
    ...(corrected.length === 0
      ? {}
      : {
          record: {
            trigger: 'drift' as const,
            startedAt: input.startedAt,
            finishedAt: input.finishedAt,
            ...(memory.commit === undefined ? {} : { revision: memory.commit }),
            result: corrected.some((o) => o.action === 'failed')
              ? ('Failed' as const)
              : ('Succeeded' as const),
            message: corrected.map((o) => `${o.subject}: ${o.message ?? o.action}`).join('; '),
            outcomes: corrected,
          },
        }),
    events: outcomes.map((o) => {
      const warn = o.action === 'unchanged' || o.action === 'failed';
      return {
        type: warn ? ('Warning' as const) : ('Normal' as const),
        reason: o.action === 'failed' ? 'DriftNotCorrected' : warn ? 'DriftDetected' : 'DriftCorrected',
        message: `${o.subject}: ${o.message ?? ''}`,
      };
    }),
    status: { planned: [...memory.planned.values()] },
    outcomes,
  };
}

/**
 * The report of a turn that synced nothing and rebuilds status from memory and the live cache: 'unchanged'
 * (a poll that found nothing new), 'health' (only a health signal). Pure.
 */
export function refreshReport(input: {
  kind: 'unchanged' | 'health';
  app: Application;
  memory: AppMemory;
  trigger: Trigger;
}): ReconcileReport {
  return {
    kind: input.kind,
    app: input.app,
    memory: input.memory,
    trigger: input.trigger,
    events: [],
    status: { planned: [...input.memory.planned.values()] },
    outcomes: [],
  };
}

/**
 * The report of a turn that stopped before the engine, for `failure`: a Project refusal, a source,
 * cluster or health-check failure, a rolled-back commit held back, a dependency waited for. Status says why;
 * `event`, when given, is the one Event to record (callers send it only when the reason is new). Pure.
 */
export function failureReport(input: {
  kind: 'refusal' | 'failure' | 'hold' | 'wait';
  app: Application;
  memory: AppMemory;
  trigger: Trigger;
  failure: SyncFailure;
  event?: ReportEvent | undefined;
  /** The plan whose objects status lists (default: the remembered plan). */
  planned?: PlannedObject[];
}): ReconcileReport {
  const { app, memory, failure } = input;
  return {
    kind: input.kind,
    app,
    memory,
    trigger: input.trigger,
    events: input.event === undefined ? [] : [input.event],
    status: { failure, planned: input.planned ?? [...memory.planned.values()] },
    outcomes: [],
    failure,
  };
}

/**
 * The report of a turn whose status stays as it is (a stalled commit polled again: status already says
 * Stalled), or that sets status fields directly: a rollback or unpin (`request`), the inventory intent. Pure.
 */
export function fieldsReport(input: {
  kind: 'hold' | 'request' | 'intent';
  app: Application;
  memory: AppMemory;
  trigger: Trigger;
  fields: StatusFields;
  events?: ReportEvent[];
  request?: RequestReport;
}): ReconcileReport {
  return {
    kind: input.kind,
    app: input.app,
    memory: input.memory,
    trigger: input.trigger,
    events: input.events ?? [],
    status: { planned: [], fields: input.fields },
    outcomes: [],
    ...(input.request === undefined ? {} : { request: input.request }),
  };
}

/** The report of a rollout turn: status.delivery set directly, its Events, an abort's SyncRecord. Pure. */
export function rolloutReport(input: {
  app: Application;
  memory: AppMemory;
  trigger: Trigger;
  rollout: RolloutReport;
  events?: ReportEvent[];
  record?: Omit<RecordInput, 'app'>;
}): ReconcileReport {
  return {
    kind: 'rollout',
    app: input.app,
    memory: input.memory,
    trigger: input.trigger,
    events: input.events ?? [],
    status: { planned: [], fields: { delivery: input.rollout.delivery } },
    outcomes: [],
    ...(input.record === undefined ? {} : { record: input.record }),
    rollout: input.rollout,
  };
}

/** Writes the report's SyncRecord (keeping spec.historyLimit of them); a failure is logged, not fatal. */
export function recordSink(objects: ObjectsApi, logger: Logger): ReportSink {
  return async (report) => {
    if (report.record === undefined) return;
    try {
      const record = syncRecordFor({ app: report.app, ...report.record });
      // A new Application (no sync in its status yet) has no records; otherwise count once after a start.
      const before = report.app.status?.lastSync === undefined ? 0 : report.memory.records;
      const written = await recordSync(objects, record, report.app.spec.historyLimit, before);
      report.recordName = written.name;
      report.memory.records = written.count;
    } catch (error) {
      logger.warn(
        { app: report.app.metadata.name, err: errorMessage(error) },
        'could not write the SyncRecord',
      );
    }
  };
}

/** Emits the report's Events on the Application. */
export function eventSink(objects: ObjectsApi): ReportSink {
  return async (report) => {
    for (const event of report.events)
      await recordEvent(objects, report.app, event.type, event.reason, event.message);
  };
}

/** Writes status once per report (the writer skips a status equal to the one already written). */
export function statusSink(
  write: (app: Application, memory: AppMemory, input: StatusWrite) => Promise<HealthChange | undefined>,
): ReportSink {
  return async (report) => {
    const lastSync = report.status.lastSync;
    const health = await write(report.app, report.memory, {
      ...report.status,
      ...(lastSync === undefined
        ? {}
        : {
            lastSync: {
              ...lastSync,
              ...(report.recordName === undefined ? {} : { syncRecord: report.recordName }),
            },
          }),
    });
    if (health !== undefined) report.health = health;
  };
}
