import type { SyncFailure, SyncResult } from '../engine/types.js';
import { aggregateHealth } from '../health/index.js';
import type { HealthResult } from '../health/types.js';
import type { PlannedObject } from '../plan/types.js';
import { subjectOf, versionOf } from '../core/objects.js';
import { isTerminal, isWaiting } from '../app/retry.js';
import { shortCommit } from '../app/model.js';
import type { ApplicationStatus, Condition, ResourceStatus } from '../app/model.js';

/** An object that differs from Git and was left alone (warn mode, or a manual-sync app). */
export interface OutOfSync {
  message: string;
  drift: { path: string; changedBy: { manager: string; operation?: string; time?: string }[] }[];
}

export { isTerminal } from '../app/retry.js';

/** Sets a condition, keeping lastTransitionTime when the status did not change. Pure. */
export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = previous?.status === next.status ? previous.lastTransitionTime : now;
  return [...conditions.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
}

/** The plain sentence that answers "why is this not synced?". Pure. */
export function summarise(
  result: SyncResult | undefined,
  failure: SyncFailure | undefined,
  health: HealthResult,
  revision: string | undefined,
  syncedRevision?: string,
  /** Objects known to differ from Git and left alone (from the live cache: warn-mode drift, manual sync). */
  outOfSyncSubjects: readonly string[] = [],
): string {
  const at = revision === undefined ? '' : ` at commit ${shortCommit(revision)}`;
  if (isWaiting(failure)) return `Waiting${at}: ${failure?.message ?? ''}.`;
  if (failure !== undefined) {
    const subject = failure.subject === undefined ? '' : ` (${failure.subject})`;
    const hint = failure.hint === undefined ? '' : ` Hint: ${failure.hint}`;
    const where = bothRevisions(revision, syncedRevision);
    if (where !== undefined)
      return `Not synced: ${where} failed: ${failure.step} failed${subject}: ${failure.message}.${hint}`;
    return `Not synced: ${failure.step} failed${subject}${at}: ${failure.message}.${hint}`;
  }
  const drifted = new Set([
    ...(result?.outcomes.filter((o) => o.drift !== undefined && o.action === 'unchanged') ?? []).map(
      (o) => o.subject,
    ),
    ...outOfSyncSubjects,
  ]);
  if (drifted.size > 0)
    return `Out of sync${at}: ${[...drifted].join(', ')} differ from Git and are left as they are (drift: warn, or no automated sync).`;
  if (health.status !== 'Healthy') return `Synced${at}; ${health.status}: ${health.message}`;
  return `Synced${at}; all objects healthy.`;
}

/** "live at <synced> (synced), target <revision>" when a failed sync left the cluster at another commit. */
function bothRevisions(revision: string | undefined, syncedRevision: string | undefined): string | undefined {
  if (revision === undefined || syncedRevision === undefined || revision === syncedRevision) return undefined;
  return `live at ${syncedRevision.slice(0, 12)} (synced), target ${revision.slice(0, 12)}`;
}

/**
 * The commit the live objects are at: this reconcile's revision when everything was applied, else the one
 * recorded by the last reconcile that applied everything.
 */
function syncedRevisionOf(input: StatusInput, failure: SyncFailure | undefined): string | undefined {
  // A failed wait happens after every object was applied: the cluster is at the target.
  if (failure === undefined || failure.step === 'wait') return input.revision;
  const previous = input.previous?.sync;
  if (previous?.syncedRevision !== undefined) return previous.syncedRevision;
  return previous?.status === 'Synced' ? previous.revision : undefined;
}

/** Per-object status lines from the plan and each object's health. Pure. */
export function resourceStatuses(
  planned: PlannedObject[],
  health: Map<string, HealthResult>,
  outOfSync: Map<string, OutOfSync>,
): ResourceStatus[] {
  return planned
    .filter((p) => p.hookDeletePolicies === undefined)
    .map((p) => {
      const h = health.get(p.id) ?? { status: 'Unknown' as const, message: '' };
      const drift = outOfSync.get(p.id);
      return {
        group: p.ref.group,
        version: versionOf(p.object.apiVersion),
        kind: p.ref.kind,
        namespace: p.ref.namespace,
        name: p.ref.name,
        sync: drift === undefined ? ('Synced' as const) : ('OutOfSync' as const),
        health: h.status,
        ...(drift !== undefined
          ? { message: drift.message }
          : h.message === ''
            ? {}
            : { message: h.message }),
        ...(drift === undefined || drift.drift.length === 0 ? {} : { drift: drift.drift }),
      };
    });
}

export interface StatusInput {
  previous: ApplicationStatus | undefined;
  generation: number | undefined;
  result?: SyncResult;
  failure?: SyncFailure;
  planned: PlannedObject[];
  health: Map<string, HealthResult>;
  outOfSync: Map<string, OutOfSync>;
  revision?: string;
  now: string;
}

/** The Application status after a reconcile. Pure. */
export function buildStatus(input: StatusInput): ApplicationStatus {
  const failure = input.failure ?? input.result?.error;
  const healthItems = input.planned
    .filter((p) => p.hookDeletePolicies === undefined)
    .map((p) => ({
      subject: subjectOf(p.ref),
      result: input.health.get(p.id) ?? { status: 'Unknown' as const, message: '' },
    }));
  const health = aggregateHealth(healthItems);
  const synced = failure === undefined && input.outOfSync.size === 0;
  let conditions = input.previous?.conditions ?? [];
  const cond = (type: Condition['type'], ok: boolean, reason: string, message: string): void => {
    conditions = setCondition(
      conditions,
      {
        type,
        status: ok ? 'True' : 'False',
        reason,
        message,
        ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
      },
      input.now,
    );
  };
  const syncedRevision = syncedRevisionOf(input, failure);
  const outOfSyncSubjects = input.planned
    .filter((p) => input.outOfSync.has(p.id))
    .map((p) => subjectOf(p.ref));
  const summary = summarise(input.result, failure, health, input.revision, syncedRevision, outOfSyncSubjects);
  cond(
    'Synced',
    synced,
    synced
      ? 'Synced'
      : failure === undefined
        ? 'Drifted'
        : (failure.reason ?? `${capitalise(failure.step)}Failed`),
    synced ? '' : summary,
  );
  cond('Healthy', health.status === 'Healthy', health.status, health.message);
  cond('Reconciling', false, 'Idle', '');
  cond(
    'Stalled',
    isTerminal(failure),
    isTerminal(failure) ? 'WaitingForNewCommit' : 'NotStalled',
    isTerminal(failure) ? summary : '',
  );
  cond(
    'Ready',
    synced && health.status === 'Healthy',
    synced && health.status === 'Healthy' ? 'Ready' : (failure?.reason ?? 'NotReady'),
    synced ? health.message : summary,
  );
  return {
    ...(input.previous ?? {}),
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    conditions,
    sync: {
      status: synced ? 'Synced' : 'OutOfSync',
      ...(input.revision === undefined
        ? {}
        : { revision: input.revision, shortRevision: shortCommit(input.revision) }),
      ...(syncedRevision === undefined ? {} : { syncedRevision }),
      ...(input.previous?.sync?.pinnedRevision === undefined
        ? {}
        : { pinnedRevision: input.previous.sync.pinnedRevision }),
    },
    // Always send the message (even empty): status is written with a merge patch, which keeps absent fields.
    health: { status: health.status, message: health.message },
    ...(input.result === undefined ? {} : { inventory: input.result.inventory }),
    resources: resourceStatuses(input.planned, input.health, input.outOfSync),
    summary,
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
