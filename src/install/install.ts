/**
 * `mooring install`: Mooring installs itself with its own engine. The manifests under deploy/ are one
 * application (`mooring-install`, inventory in mooring-system), so a repeated install writes nothing and an
 * upgrade prunes the install objects a newer version no longer ships.
 */
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import type { ProgressReporter } from '../core/logger.js';
import { packageRoot } from '../core/package-root.js';
import { syncApplication } from '../engine/sync.js';
import type { LocalSource, SyncResult } from '../engine/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { RenderTools } from '../render/types.js';
import { adminProjectObjects } from './projects.js';

/** The namespace the controller, its Applications and the install's inventory live in. */
export const MOORING_NAMESPACE = 'mooring-system';
/** The application name of the install itself (tracking label, inventory ConfigMap). */
export const INSTALL_APP_NAME = 'mooring-install';
/** The controller's ServiceAccount (deploy/controller/service-account.yaml). */
export const CONTROLLER_SERVICE_ACCOUNT = 'mooring-controller';

/** Cluster-wide (deploy/) or namespace-scoped RBAC (deploy/rbac/namespaced/). */
export type InstallMode = 'cluster' | 'namespaced';

export interface InstallOptions {
  mode: InstallMode;
  /** Validate on the server and report what would change; write nothing. */
  dryRun: boolean;
  /** The deploy/ folder to render; default the one shipped in Mooring's package. */
  deployDir?: string;
  /** Time limit for waiting on the CRDs and the namespace (default 2 min). */
  timeoutMs?: number;
  /**
   * Also create the permissive `admin` Project and its cluster-admin ServiceAccount (src/install/projects.ts),
   * for the bootstrap root app. Explicit: a default install only has the safe `default` Project.
   */
  adminProject?: boolean;
}

export interface InstallDeps {
  objects: ObjectsApi;
  tools: RenderTools;
  progress?: ProgressReporter;
}

/** The folder of deploy/ a mode renders (both are kustomizations; namespaced refers back to ../../crds). */
export function installSource(mode: InstallMode, deployDir = join(packageRoot(), 'deploy')): LocalSource {
  return { root: deployDir, path: mode === 'cluster' ? '' : join('rbac', 'namespaced') };
}

/** Reads --mode. */
export function parseInstallMode(value: string): InstallMode {
  if (value === 'cluster' || value === 'namespaced') return value;
  throw new MooringError('INVALID_ARGUMENT', `unknown install mode "${value}"`, {
    hint: 'use --mode cluster (the default) or --mode namespaced',
  });
}

/**
 * Applies Mooring's install manifests with the sync engine: CRDs and the namespace first (waiting until
 * the CRDs are Established), then RBAC, the controller and its Service; prunes what an earlier install
 * applied and this one no longer has. Does not wait for the controller's pod (its image may still be on
 * its way). Never throws for a failed apply: the result's `error` says which step and object.
 */
export async function installMooring(deps: InstallDeps, options: InstallOptions): Promise<SyncResult> {
  const result = await syncApplication(
    {
      objects: deps.objects,
      tools: deps.tools,
      ...(deps.progress === undefined ? {} : { progress: deps.progress }),
    },
    {
      appName: INSTALL_APP_NAME,
      source: installSource(options.mode, options.deployDir),
      renderOptions: { kind: 'kustomize' },
      namespace: MOORING_NAMESPACE,
      createNamespace: true,
      prune: true,
      pruneThreshold: 0.5,
      // Switching modes removes a few RBAC objects; an install is never "mass" pruning user workloads.
      allowMassPrune: true,
      dryRun: options.dryRun,
      wait: false,
      timeoutMs: options.timeoutMs ?? 120_000,
      concurrency: 8,
    },
  );
  if (options.adminProject === true && result.error === undefined && !options.dryRun)
    await applyAdminProject(deps);
  return result;
}

/** Server-side applies the admin Project, its ServiceAccount and the binding to cluster-admin (repeatable). */
async function applyAdminProject(deps: InstallDeps): Promise<void> {
  for (const obj of adminProjectObjects({ namespace: MOORING_NAMESPACE })) {
    await deps.objects.apply(obj, { fieldManager: INSTALL_APP_NAME, force: true, step: 'apply' });
    deps.progress?.(
      `applied ${obj.kind}/${obj.metadata.namespace === undefined ? '' : `${obj.metadata.namespace}/`}${obj.metadata.name}`,
    );
  }
}
