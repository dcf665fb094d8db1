/**
 * The Application domain's one model: the parsed, defaulted Application (the zod schemas of src/crd, which
 * also generate the CRD), its status and conditions, and the helpers every layer shares (key, object
 * reference, short commit). The controller, the CLI, the demo and the installer import these from `app/`.
 */
import type { KubeObject, ObjectRef } from '../core/objects.js';
import type { Application, ApplicationSpecInput, ApplicationStatus } from '../crd/application.js';
import { applicationStatusSchema, parseApplication } from '../crd/application.js';

export { MOORING_API_VERSION } from '../crd/common.js';
export { APPLICATION_KIND, parseApplication } from '../crd/application.js';
/** The parsed Application (every default filled in) and its spec as stored. */
export type { Application, ApplicationSpec, SyncPolicy, DriftMode } from '../crd/application.js';
/** The spec as a person writes it (defaults may be left out): what clients create. */
export type { ApplicationSpecInput } from '../crd/application.js';
export type { ApplicationStatus, ResourceStatus } from '../crd/application.js';
export type { ApplicationCondition as Condition } from '../crd/application-status.js';
/** Why a reconcile runs; recorded in SyncRecords (the CRD's enum is the one list). */
export type { SyncTrigger as Trigger } from '../crd/syncrecord.js';

/**
 * An Application as a client writes or reads it over the API (spec not defaulted): what the CLI, the demo
 * and the installer create and display. The controller parses it into `Application`.
 */
export interface ApplicationManifest extends KubeObject {
  spec: ApplicationSpecInput;
  status?: ApplicationStatus;
}

/** Label on each SyncRecord: the name of its Application (in the same namespace). */
export const RECORD_APP_LABEL = 'mooring.dev/application';

export { SHORT_COMMIT_LENGTH, shortCommit } from '../core/short-commit.js';

/** The finalizer that makes deleting an Application prune what it owns first. */
export const FINALIZER = 'mooring.dev/prune-on-delete';

/** The key an app is known by in the controller's state and queue: `namespace/name`. Pure. */
export function appKeyOf(app: { metadata: { name: string; namespace?: string } }): string {
  return `${app.metadata.namespace ?? ''}/${app.metadata.name}`;
}

/** The API reference of an Application (for get, patch, status writes). Pure. */
export function appRefOf(app: { metadata: { name: string; namespace?: string } }): ObjectRef {
  return applicationRef(app.metadata.namespace ?? 'default', app.metadata.name);
}

/** The API reference of the Application `namespace/name`. Pure. */
export function applicationRef(namespace: string, name: string): ObjectRef {
  return { group: 'mooring.dev', kind: 'Application', namespace, name };
}

/** The outcome of parsing an object a watch or a list delivered. */
export type ParsedApplication = { ok: true; app: Application } | { ok: false; message: string };

/** Parses an object a watch delivered: the Application, or why it is not one. Never throws. */
export function readApplication(object: KubeObject): ParsedApplication {
  try {
    return { ok: true, app: parseApplication(object) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The status of an Application the API server returned (a status write's answer), parsed with the CRD's
 * schema rather than cast; undefined when there is none or it is not a valid status. Never throws.
 */
export function readStatus(object: KubeObject | undefined): ApplicationStatus | undefined {
  if (object?.status === undefined) return undefined;
  const parsed = applicationStatusSchema.safeParse(object.status);
  return parsed.success ? parsed.data : undefined;
}
