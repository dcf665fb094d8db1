/**
 * The Application custom resource (mooring.dev/v1alpha1, namespaced): one app that Mooring keeps equal to
 * Git. The zod schemas here are the single source of truth for the TypeScript types (z.infer), for the
 * CRD's openAPIV3Schema (src/crd/generate.ts) and for the controller's own validation (parseApplication).
 * Defaults live in the schema, so the API server fills them in and `parse` does the same. Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import { applicationStatusSchema } from './application-status.js';
import type { ApplicationStatus } from './application-status.js';
import { sourceSchema } from './application-source.js';
import { deliverySchema } from './delivery.js';
import {
  MOORING_API_VERSION,
  NAMESPACE_PATTERN,
  celMeta,
  durationMs,
  durationSchema,
  localObjectReferenceSchema,
  OBJECT_NAME_PATTERN,
  objectNameSchema,
  parseField,
} from './common.js';
import type { CelRule } from './common.js';
import { DEFAULT_PROJECT } from './project.js';

export * from './application-source.js';
export * from './application-status.js';
export * from './conditions.js';
export * from './delivery.js';
export * from './project.js';

export const APPLICATION_KIND = 'Application';
export const APPLICATION_PLURAL = 'applications';

const backoffNotAboveMax: CelRule = {
  // has(): the API server checks the `default: {}` against the rule before nested defaults fill it in.
  rule: '!has(self.duration) || !has(self.maxDuration) || duration(self.duration) <= duration(self.maxDuration)',
  message: 'backoff duration must not exceed maxDuration',
};

export const retrySchema = z
  .object({
    limit: z
      .int()
      .min(0)
      .max(100)
      .describe('Retries of a failed sync before waiting for a change.')
      .default(5),
    backoff: z
      .object({
        duration: durationSchema('Wait before the first retry.').default('5s'),
        factor: z.int().min(1).max(10).describe('Each wait is the previous one times this.').default(2),
        maxDuration: durationSchema('The longest wait.').default('3m'),
      })
      .refine((b) => durationMs(b.duration) <= durationMs(b.maxDuration), {
        message: backoffNotAboveMax.message,
      })
      .meta(celMeta([backoffNotAboveMax]))
      .prefault({}),
  })
  .describe('How failed syncs are retried.');

/** What a drift (a change made by someone else to an owned field) leads to. */
export const DRIFT_MODES = ['enforce', 'warn'] as const;
export type DriftMode = (typeof DRIFT_MODES)[number];

export const syncPolicySchema = z
  .object({
    automated: z
      .boolean()
      .describe('Sync on every new commit; false only compares and reports.')
      .default(true),
    prune: z.boolean().describe('Delete objects removed from Git.').default(false),
    selfHeal: z.boolean().describe('Undo changes made to owned fields in the cluster.').default(true),
    driftMode: z
      .enum(DRIFT_MODES)
      .describe('enforce: correct drift; warn: only report it. Default: enforce if selfHeal, else warn.')
      .optional(),
    createNamespace: z.boolean().describe('Create the destination namespace if missing.').default(false),
    pruneThreshold: z
      .number()
      .gt(0)
      .lte(1)
      .describe('Refuse a prune of more than this share of the app (0 < x <= 1; the engine defaults to 0.5).')
      .optional(),
    retry: retrySchema.optional(),
  })
  .describe('When and how the app is synced.');

const healthCheckExprSchema = z
  .object({
    apiVersion: z.string().min(1).describe('apiVersion of the kind checked; only its group is matched.'),
    kind: z.string().min(1).describe('Kind checked.'),
    current: z.string().min(1).describe('CEL: true when the object is healthy.'),
    inProgress: z
      .string()
      .min(1)
      .describe('CEL: true while the object is on its way (tried first).')
      .optional(),
    failed: z.string().min(1).describe('CEL: true when the object failed (tried second).').optional(),
  })
  .describe("A custom health check in the form of Flux's healthCheckExprs.");

/** spec of an Application. */
export const applicationSpecSchema = z.object({
  project: objectNameSchema(
    'The Project (in the controller namespace) that decides what this Application may do.',
  ).default(DEFAULT_PROJECT),
  serviceAccountName: z
    .string()
    .min(1)
    .max(253)
    .regex(OBJECT_NAME_PATTERN, { message: 'must be a lowercase DNS-1123 name' })
    .describe(
      "ServiceAccount in the destination namespace to apply as, instead of the Project destination's (only if the Project allows it).",
    )
    .optional(),
  source: sourceSchema,
  destination: z
    .object({
      namespace: z
        .string()
        .min(1)
        .max(63)
        .regex(NAMESPACE_PATTERN, { message: 'must be a lowercase DNS-1123 label' })
        .describe('Namespace for objects that name none.'),
      cluster: z
        .string()
        .min(1)
        .describe('Target cluster; "in-cluster" is the one Mooring runs in.')
        .default('in-cluster'),
    })
    .describe('Where the objects go.'),
  syncPolicy: syncPolicySchema.prefault({}),
  interval: durationSchema('How often Git is polled and the app compared, e.g. 3m.', '1s').default('3m'),
  dependsOn: z
    .array(localObjectReferenceSchema('Application'))
    .describe('Applications that must be Ready before this one syncs.')
    .optional(),
  suspend: z.boolean().describe('Stop syncing (status keeps being reported).').optional(),
  orphanOnDelete: z.boolean().describe("Leave the app's objects in place when it is deleted.").optional(),
  historyLimit: z.int().min(1).max(10000).describe('SyncRecords kept for this app.').default(100),
  healthCheckExprs: z
    .array(healthCheckExprSchema)
    .max(100)
    .describe("CEL health checks for this app's objects; they win over the cluster-wide ones.")
    .optional(),
  delivery: deliverySchema.optional(),
});

/** spec as stored (every default filled in). */
export type ApplicationSpec = z.infer<typeof applicationSpecSchema>;
/** spec as written in a manifest (defaults may be left out). */
export type ApplicationSpecInput = z.input<typeof applicationSpecSchema>;
export type SyncPolicy = z.infer<typeof syncPolicySchema>;

/** A whole Application object. */
export interface Application extends KubeObject {
  apiVersion: typeof MOORING_API_VERSION;
  kind: typeof APPLICATION_KIND;
  metadata: ObjectMeta & { namespace: string };
  spec: ApplicationSpec;
  status?: ApplicationStatus;
}

/**
 * Validates an Application read from the cluster (or a file) and fills in defaults the API server would
 * have; throws INVALID_MANIFEST naming every bad field.
 */
export function parseApplication(obj: KubeObject): Application {
  const subject = `${APPLICATION_KIND}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (obj.apiVersion !== MOORING_API_VERSION || obj.kind !== APPLICATION_KIND) {
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject}: expected ${MOORING_API_VERSION} Application, got ${obj.apiVersion} ${obj.kind}`,
      { subject },
    );
  }
  const spec = parseField(applicationSpecSchema, obj.spec, 'spec', subject);
  const status =
    obj.status === undefined ? undefined : parseField(applicationStatusSchema, obj.status, 'status', subject);
  return {
    ...obj,
    apiVersion: MOORING_API_VERSION,
    kind: APPLICATION_KIND,
    metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? 'default' },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

/** The drift mode in force: driftMode if set, else enforce when selfHeal is on and warn when it is off. */
export function effectiveDriftMode(policy: SyncPolicy): DriftMode {
  return policy.driftMode ?? (policy.selfHeal ? 'enforce' : 'warn');
}

/** spec.interval in milliseconds. */
export function intervalMs(spec: ApplicationSpec): number {
  return durationMs(spec.interval);
}
