import type { KubeObject } from '../core/objects.js';

/** API group/version of Mooring's custom resources. */
export const MOORING_API_VERSION = 'mooring.dev/v1alpha1';
export const FINALIZER = 'mooring.dev/prune-on-delete';

/**
 * The Application's spec and status are defined once, by the zod schemas in src/crd (which also generate
 * the CRD's OpenAPI schema); the controller uses the same types.
 */
export type {
  ApplicationSpecInput as ApplicationSpec,
  ApplicationStatus,
  ResourceStatus,
} from '../crd/application.js';
export type { ApplicationCondition as Condition } from '../crd/application-status.js';
import type { ApplicationSpecInput as ApplicationSpec, ApplicationStatus } from '../crd/application.js';

export interface Application extends KubeObject {
  spec: ApplicationSpec;
  status?: ApplicationStatus;
}

/** Why a reconcile runs; recorded in SyncRecords (the CRD's enum is the one list). */
export type { SyncTrigger as Trigger } from '../crd/syncrecord.js';
