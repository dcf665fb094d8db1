/**
 * The SyncRecord custom resource (mooring.dev/v1alpha1, namespaced): the immutable history of one sync of an
 * Application: what triggered it, which commit, how it ended, and what happened to each object. The API
 * server refuses any change to spec after creation (CEL `self == oldSelf`). Every string and list has a
 * bound: etcd caps an object at 1.5 MiB and the API server refuses CEL rules whose worst-case cost is
 * unbounded; fitSyncRecordSpec trims a spec to those bounds before it is written. Pure.
 */
import { z } from 'zod';

import type { ObjectAction, ObjectOutcome } from '../apply/types.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import { SYNC_RESULTS } from './application-status.js';
import { MOORING_API_VERSION, celMeta, objectNameSchema, parseField, timestampSchema } from './common.js';
import type { CelRule, CoversAll } from './common.js';

export const SYNC_RECORD_KIND = 'SyncRecord';
export const SYNC_RECORD_PLURAL = 'syncrecords';

/** Upper bounds of a SyncRecord's fields (see the file comment for why they exist). */
export const SYNC_RECORD_LIMITS = {
  objects: 2000,
  driftPerObject: 20,
  managersPerField: 4,
  message: 4096,
  objectMessage: 1024,
  subject: 512,
  path: 256,
  name: 256,
} as const;
const L = SYNC_RECORD_LIMITS;

/** What started a sync. */
export const SYNC_TRIGGERS = [
  'poll',
  'webhook',
  'drift',
  'manual',
  'rollback',
  'dependency',
  'spec',
] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

/** The engine's ObjectAction values; the CoversAll check breaks the build if src/apply adds one. */
export const OBJECT_ACTIONS = [
  'created',
  'configured',
  'unchanged',
  'recreated',
  'pruned',
  'orphaned',
  'skipped',
  'failed',
  'hook-succeeded',
  'hook-failed',
] as const satisfies readonly ObjectAction[];
const _everyObjectAction: CoversAll<ObjectAction, (typeof OBJECT_ACTIONS)[number]> = true;

const boundedString = (max: number) => z.string().max(max);

const recordedDriftSchema = z.object({
  path: boundedString(L.path),
  changedBy: z
    .array(
      z.object({
        manager: boundedString(L.name),
        operation: boundedString(64).optional(),
        time: boundedString(64).optional(),
      }),
    )
    .max(L.managersPerField)
    .optional(),
});

const recordedObjectSchema = z.object({
  subject: boundedString(L.subject).describe('Kind/namespace/name'),
  action: z.enum(OBJECT_ACTIONS),
  message: boundedString(L.objectMessage).optional(),
  drift: z.array(recordedDriftSchema).max(L.driftPerObject).optional(),
});

const count = z.int().min(0).max(1_000_000);

const specIsImmutable: CelRule = {
  rule: 'self == oldSelf',
  message: 'a SyncRecord is history: its spec cannot change',
};

/** spec of a SyncRecord. */
export const syncRecordSpecSchema = z
  .object({
    application: objectNameSchema('The Application this sync belongs to (same namespace).'),
    trigger: z.enum(SYNC_TRIGGERS),
    initiatedBy: boundedString(L.name)
      .describe('Who asked for this sync through the API (a Kubernetes user), when someone did.')
      .optional(),
    revision: boundedString(64).describe('The commit synced.'),
    commit: z
      .object({ author: boundedString(L.name), message: boundedString(L.message) })
      .describe('Author and message of that commit.')
      .optional(),
    startedAt: timestampSchema('When the sync started.'),
    finishedAt: timestampSchema('When it ended.'),
    result: z.enum(SYNC_RESULTS),
    message: boundedString(L.message).describe('One plain sentence about the outcome.').optional(),
    objects: z
      .array(recordedObjectSchema)
      .max(L.objects)
      .describe('What happened to each object.')
      .optional(),
    omittedObjects: count.describe('Objects left out of `objects` to keep the record small.').optional(),
    diffSummary: z.object({
      created: count,
      configured: count,
      pruned: count,
      unchanged: count,
      failed: count,
    }),
  })
  .meta(celMeta([specIsImmutable]));

export type SyncRecordSpec = z.infer<typeof syncRecordSpecSchema>;
export type RecordedObject = z.infer<typeof recordedObjectSchema>;
export type DiffSummary = SyncRecordSpec['diffSummary'];

/** A whole SyncRecord object. */
export interface SyncRecord extends KubeObject {
  apiVersion: typeof MOORING_API_VERSION;
  kind: typeof SYNC_RECORD_KIND;
  metadata: ObjectMeta & { namespace: string };
  spec: SyncRecordSpec;
}

/** Validates a SyncRecord read from the cluster; throws INVALID_MANIFEST naming every bad field. */
export function parseSyncRecord(obj: KubeObject): SyncRecord {
  const subject = `${SYNC_RECORD_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  const spec = parseField(syncRecordSpecSchema, obj.spec, 'spec', subject);
  return {
    ...obj,
    apiVersion: MOORING_API_VERSION,
    kind: SYNC_RECORD_KIND,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? 'default' },
    spec,
  };
}

/** Counts of a sync's outcomes: recreated counts as configured, hook failures as failed. */
export function diffSummaryOf(outcomes: readonly Pick<ObjectOutcome, 'action'>[]): DiffSummary {
  const summary: DiffSummary = { created: 0, configured: 0, pruned: 0, unchanged: 0, failed: 0 };
  for (const { action } of outcomes) {
    const bucket = summaryBucket(action);
    if (bucket !== undefined) summary[bucket] += 1;
  }
  return summary;
}

function summaryBucket(action: ObjectAction): keyof DiffSummary | undefined {
  switch (action) {
    case 'created':
    case 'configured':
    case 'unchanged':
    case 'pruned':
    case 'failed':
      return action;
    case 'recreated':
      return 'configured';
    case 'hook-failed':
      return 'failed';
    case 'orphaned':
    case 'skipped':
    case 'hook-succeeded':
      return undefined;
  }
}

/** The entry of `objects` for one outcome of the engine. */
export function recordedObjectOf(outcome: ObjectOutcome): RecordedObject {
  const drift = outcome.drift?.map((field) => ({
    path: field.path,
    changedBy: field.changedBy.map((owner) => ({
      manager: owner.manager,
      operation: owner.operation,
      ...(owner.time === undefined ? {} : { time: owner.time }),
    })),
  }));
  return {
    subject: outcome.subject,
    action: outcome.action,
    ...(outcome.message === undefined ? {} : { message: outcome.message }),
    ...(drift === undefined || drift.length === 0 ? {} : { drift }),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function fitObject(object: RecordedObject): RecordedObject {
  const drift = object.drift?.slice(0, L.driftPerObject).map((field) => ({
    ...field,
    path: clip(field.path, L.path),
    ...(field.changedBy === undefined ? {} : { changedBy: field.changedBy.slice(0, L.managersPerField) }),
  }));
  return {
    ...object,
    subject: clip(object.subject, L.subject),
    ...(object.message === undefined ? {} : { message: clip(object.message, L.objectMessage) }),
    ...(drift === undefined ? {} : { drift }),
  };
}

/**
 * The spec trimmed to SYNC_RECORD_LIMITS: long messages clipped, and past the object limit the failed
 * objects kept first (they are what people look for), the rest counted in omittedObjects.
 */
export function fitSyncRecordSpec(spec: SyncRecordSpec): SyncRecordSpec {
  const objects = spec.objects ?? [];
  const failedFirst = [
    ...objects.filter((o) => o.action === 'failed' || o.action === 'hook-failed'),
    ...objects.filter((o) => o.action !== 'failed' && o.action !== 'hook-failed'),
  ];
  const kept = objects.length <= L.objects ? objects : failedFirst.slice(0, L.objects);
  const omitted = (spec.omittedObjects ?? 0) + objects.length - kept.length;
  return {
    ...spec,
    ...(spec.message === undefined ? {} : { message: clip(spec.message, L.message) }),
    ...(spec.commit === undefined
      ? {}
      : {
          commit: { author: clip(spec.commit.author, L.name), message: clip(spec.commit.message, L.message) },
        }),
    ...(spec.objects === undefined ? {} : { objects: kept.map(fitObject) }),
    ...(omitted === 0 ? {} : { omittedObjects: omitted }),
  };
}

/**
 * SyncRecords newest first: by `spec.startedAt` (milliseconds), then creationTimestamp (whole seconds), then
 * name. Two syncs in one second (a heal right after a sync) are told apart by when they started, not by the
 * random suffix of their names. Pure; does not change its input.
 */
export function newestFirst<T extends KubeObject>(records: readonly T[]): T[] {
  const startedAt = (r: KubeObject): string => {
    const value = (r.spec as { startedAt?: unknown } | undefined)?.startedAt;
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
  };
  const created = (r: KubeObject): string =>
    typeof r.metadata.creationTimestamp === 'string' ? r.metadata.creationTimestamp : '';
  return [...records].sort(
    (a, b) =>
      startedAt(b).localeCompare(startedAt(a)) ||
      created(b).localeCompare(created(a)) ||
      b.metadata.name.localeCompare(a.metadata.name),
  );
}

/** The records to delete so that the newest `keep` remain. Pure. */
export function recordsBeyond<T extends KubeObject>(records: readonly T[], keep: number): T[] {
  return newestFirst(records).slice(Math.max(0, keep));
}
