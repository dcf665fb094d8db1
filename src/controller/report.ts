/**
 * What one reconcile or heal did, as data, and the sinks that consume it: SyncRecords, Events and the
 * status writer (in that order: status names the SyncRecord). Metrics and notifications attach as more
 * sinks, without touching the reconciler. The report builders are pure.
 */
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ObjectOutcome } from '../apply/types.js';
import type { SyncResult } from '../engine/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ResolvedSource } from '../source/types.js';
import type { Application, ApplicationStatus, Trigger } from '../app/model.js';
import { shortCommit } from '../app/model.js';
import { recordEvent } from './events.js';
import type { RecordInput } from './records.js';
import { recordSync, resultOf, syncRecordFor } from './records.js';
import type { AppMemory, StatusWrite } from './reconciler.js';

export interface ReportEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The outcome of one reconcile (kind 'sync') or heal (kind 'heal') of one app. */
export interface ReconcileReport {
  kind: 'sync' | 'heal';
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

/** Writes status once per reconcile (the writer skips a status equal to the one already written). */
export function statusSink(
  write: (app: Application, memory: AppMemory, input: StatusWrite) => Promise<void>,
): ReportSink {
  return async (report) => {
    const lastSync = report.status.lastSync;
    await write(report.app, report.memory, {
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
  };
}
