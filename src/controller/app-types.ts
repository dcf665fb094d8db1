/**
 * Kept for imports that predate src/app/: the Application model lives in src/app/model.ts. `ApplicationSpec`
 * here is the spec as written (defaults may be left out), which is what clients create.
 */

export { FINALIZER, MOORING_API_VERSION } from '../app/model.js';
export type { ApplicationStatus, Condition, ResourceStatus, Trigger } from '../app/model.js';
export type { ApplicationSpecInput as ApplicationSpec } from '../app/model.js';

/** An Application as a client writes it (unparsed); the controller works on app/model's parsed one. */
export type { ApplicationManifest as Application } from '../app/model.js';
