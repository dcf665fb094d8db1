/**
 * The status of an Application, written by the controller through the status subresource: conditions,
 * sync and health, the inventory of owned objects, per-resource state, the last sync and a one-line
 * summary. Every field is optional so partial writes stay valid. Pure.
 */
import { z } from 'zod';

import type { HealthStatus } from '../health/types.js';
import { conditionSchemaOf, timestampSchema } from './common.js';
import { deliveryStatusSchema } from './delivery.js';
import type { CoversAll } from './common.js';

/** The condition types an Application reports, in the order people read them. */
export const APPLICATION_CONDITION_TYPES = ['Ready', 'Synced', 'Healthy', 'Reconciling', 'Stalled'] as const;
export type ApplicationConditionType = (typeof APPLICATION_CONDITION_TYPES)[number];

/** One condition, shaped like metav1.Condition (kstatus and `kubectl wait --for=condition=Ready` read it). */
export const conditionSchema = conditionSchemaOf(APPLICATION_CONDITION_TYPES);
export type ApplicationCondition = z.infer<typeof conditionSchema>;

/** Sync status of the app, and of each resource: does the cluster equal Git? */
export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export const HEALTH_STATUSES = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
] as const satisfies readonly HealthStatus[];
const _everyHealthStatus: CoversAll<HealthStatus, (typeof HEALTH_STATUSES)[number]> = true;

/** How a sync ended; shared with SyncRecord.spec.result. */
export const SYNC_RESULTS = ['Succeeded', 'Failed', 'Rejected'] as const;
export type SyncResultName = (typeof SYNC_RESULTS)[number];

/** A field someone else changed, and who (managedFields). */
export const driftedFieldSchema = z.object({
  path: z.string().describe('e.g. spec.replicas'),
  changedBy: z
    .array(
      z.object({
        manager: z.string(),
        operation: z.string().optional(),
        time: z.string().optional(),
      }),
    )
    .optional(),
});

const resourceStatusSchema = z.object({
  group: z.string(),
  version: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  sync: z.enum(SYNC_STATUSES).optional(),
  health: z.enum(HEALTH_STATUSES).optional(),
  message: z.string().optional(),
  drift: z.array(driftedFieldSchema).optional(),
});
export type ResourceStatus = z.infer<typeof resourceStatusSchema>;

/** status of an Application. */
export const applicationStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional(),
    conditions: z
      .array(conditionSchema)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional(),
    sync: z
      .object({
        status: z.enum(SYNC_STATUSES),
        revision: z.string().describe('The commit last synced or compared.').optional(),
        syncedRevision: z
          .string()
          .describe(
            'The commit the live objects were last synced to without error (differs after a failed sync).',
          )
          .optional(),
        shortRevision: z.string().describe('Its first characters, for `kubectl get`.').optional(),
        pinnedRevision: z
          .string()
          .describe('A commit pinned by a rollback until the next commit.')
          .optional(),
      })
      .optional(),
    health: z.object({ status: z.enum(HEALTH_STATUSES), message: z.string().optional() }).optional(),
    inventory: z
      .array(
        z.object({
          id: z.string().describe('namespace_name_group_kind'),
          v: z.string().describe('The version the object was applied with.'),
        }),
      )
      .describe('Every object the app owns: what prune compares against.')
      .optional(),
    resources: z.array(resourceStatusSchema).optional(),
    lastSync: z
      .object({
        startedAt: timestampSchema('When the sync started.'),
        finishedAt: timestampSchema('When it ended.').optional(),
        revision: z.string().optional(),
        result: z.enum(SYNC_RESULTS).optional(),
        message: z.string().optional(),
        syncRecord: z.string().describe('Name of the SyncRecord of that sync.').optional(),
        trigger: z
          .string()
          .describe('What started it: poll, webhook, drift, manual, rollback, dependency, spec.')
          .optional(),
      })
      .optional(),
    summary: z.string().describe('One plain sentence: why the app is not synced or healthy.').optional(),
    delivery: deliveryStatusSchema.optional(),
    source: z
      .object({
        displayURL: z.string().optional(),
        resolvedRef: z.string().optional(),
        commitSubject: z.string().optional(),
        author: z.string().optional(),
        pathTreeHash: z.string().describe("Git tree hash of the app's folder at the revision.").optional(),
        signedBy: z
          .array(z.string())
          .describe('With spec.source.verify: each verified object and the trusted key that signed it.')
          .optional(),
      })
      .optional(),
    rolledBackRevision: z
      .string()
      .describe('A commit rolled back from: automated sync never applies it again; a newer commit does.')
      .optional(),
  })
  .describe('What the controller last saw and did.');

export type ApplicationStatus = z.infer<typeof applicationStatusSchema>;

/** How many characters of a commit `kubectl get applications` shows. */
export const SHORT_REVISION_LENGTH = 8;

/** A commit as the Revision column shows it. */
export function shortRevision(revision: string): string {
  return revision.slice(0, SHORT_REVISION_LENGTH);
}
