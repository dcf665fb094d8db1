/**
 * What a reconcile and a read-only preview (src/controller/preview.ts) both build from an Application: the
 * source spec of its repository (file:// refused unless allowed, credentials, the Project's verification)
 * and the engine request of one revision. One place, so a preview can never fetch or render differently
 * from the sync it previews.
 */
import type { KubeObject } from '../core/objects.js';
import type { Project } from '../crd/project.js';
import type { SyncRequest } from '../engine/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { RefSpec, ResolvedSource, SourceSpec } from '../source/types.js';
import type { Application } from '../app/model.js';
import { pruneThresholdOf, renderOptionsOf } from '../app/spec.js';
import { credentialsOf, refuseFileRepo } from './source-access.js';
import { trackingNameOf } from './tenancy.js';
import { verifySpecOf } from './verify-keys.js';

export interface AppSourceOptions {
  /** Accept a file:// repoURL (tests and the demo). */
  allowFileRepos: boolean;
  /**
   * `ref` names a commit the app already chose (a pin, a history entry): it is verified as a commit,
   * since a tag of spec.source.ref no longer names it.
   */
  asCommit: boolean;
  /** The labelled credential Secrets of a namespace (default: listed from the API server). */
  labelledSecrets?: (namespace: string) => Promise<KubeObject[]>;
}

/** The source spec of the app's repository at `ref`; a file:// repoURL not allowed throws. */
export async function appSourceSpec(
  objects: ObjectsApi,
  app: Application,
  project: Project | undefined,
  ref: RefSpec,
  options: AppSourceOptions,
): Promise<SourceSpec> {
  refuseFileRepo(app, options.allowFileRepos);
  const credentials = await credentialsOf(objects, app, options.labelledSecrets);
  const verify = await verifySpecOf(objects, app, project);
  return {
    repoURL: app.spec.source.repoURL,
    ref,
    path: app.spec.source.path,
    ...(credentials === undefined ? {} : { credentials }),
    ...(verify === undefined
      ? {}
      : { verify: options.asCommit ? { ...verify, mode: 'head' as const } : verify }),
  };
}

/** What differs between a sync and a preview; everything else comes from the app's spec. */
export type EngineMode = Pick<SyncRequest, 'allowMassPrune' | 'dryRun' | 'wait' | 'includeHooks'>;

/** The engine request of the app at the fetched revision exported at `root`. */
export function engineRequestOf(
  app: Application,
  controllerNamespace: string,
  fetched: ResolvedSource,
  root: string,
  limits: Pick<SyncRequest, 'timeoutMs' | 'concurrency'>,
  mode: EngineMode,
): SyncRequest {
  const policy = app.spec.syncPolicy;
  return {
    appName: trackingNameOf(app, controllerNamespace),
    source: { root, path: fetched.path, commit: fetched.commit, displayURL: fetched.displayURL },
    renderOptions: renderOptionsOf(app.spec, app.metadata.name),
    namespace: app.spec.destination.namespace,
    createNamespace: policy.createNamespace,
    prune: policy.prune,
    pruneThreshold: pruneThresholdOf(app.spec),
    ...mode,
    timeoutMs: limits.timeoutMs,
    concurrency: limits.concurrency,
  };
}
