/**
 * Read-only looks at an app for the API, through the same steps a reconcile takes and writing nothing:
 *  - `liveDiff`: fetch the target revision (the pin when pinned), render, plan, and the engine's dry-run as
 *    the Project's ServiceAccount: the same ownership-aware diff as `mooring diff`;
 *  - `desiredAt`: the planned objects of one commit (render + plan, no cluster state), cached by
 *    repository, commit, path and render options, for the diff between two history entries.
 * The Project is asked first, exactly as for a sync: credentials never go to a repository it does not list,
 * a refused app is an error here (status and Events are the reconciler's to write, not a read's).
 */
import { errorMessage, MooringError } from '../core/errors.js';
import { subjectOf } from '../core/objects.js';
import { syncApplication } from '../engine/sync.js';
import type { SyncResult } from '../engine/types.js';
import type { ClusterRegistry } from '../kube/clusters.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { buildPlan } from '../plan/index.js';
import type { PlannedObject } from '../plan/types.js';
import { canonicalJson } from '../render/cache.js';
import type { RenderCache } from '../render/cache.js';
import { render } from '../render/index.js';
import type { RenderTools } from '../render/types.js';
import { exportSource, resolveSource } from '../source/index.js';
import type { CommitInfo, RefSpec, ResolvedSource, SourceLimits } from '../source/types.js';
import type { Application } from '../app/model.js';
import { refOfSpec, renderOptionsOf } from '../app/spec.js';
import type { ClusterHealthChecks } from './health-checks.js';
import { resolveProject, trackingNameOf } from './tenancy.js';
import type { AppAccess, ProjectLookup } from './tenancy.js';
import { appSourceSpec, engineRequestOf } from './app-source.js';

export interface PreviewDeps {
  objects: ObjectsApi;
  controllerNamespace: string;
  projects: ProjectLookup;
  tools: RenderTools;
  cacheDir: string;
  clusters: ClusterRegistry;
  concurrency: number;
  timeoutMs: number;
  allowFileRepos?: boolean;
  sourceLimits?: Partial<SourceLimits>;
  healthChecks?: ClusterHealthChecks;
}

/** The desired state of one revision: its commit and planned objects. */
export interface DesiredState {
  commit: CommitInfo;
  objects: PlannedObject[];
  warnings: string[];
}

/** How many revisions' desired states are kept (each is the app's planned objects). */
const DESIRED_CACHE_SIZE = 64;

/**
 * Previews at once: each fetches, renders and dry-runs, and any reader of an app may ask for one, so they
 * queue rather than compete with the controller's own syncs for git, render helpers and the API server.
 */
const MAX_CONCURRENT_PREVIEWS = 2;

export class SyncPreview {
  private readonly desired = new Map<string, Promise<DesiredState>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly deps: PreviewDeps,
    private readonly renderCache?: RenderCache,
  ) {}

  /** The Project's verdict and the destination cluster's connection; a refusal or an unknown cluster throws. */
  private async access(app: Application): Promise<AppAccess> {
    const cluster = this.deps.clusters.connection(app.spec.destination.cluster).objects;
    const verdict = await resolveProject(this.deps.projects, cluster, this.deps.controllerNamespace, app);
    if (verdict.kind === 'refused')
      throw new MooringError('PLAN_REFUSED', verdict.failure.message, {
        step: 'plan',
        subject: verdict.failure.subject,
        hint: verdict.failure.hint,
      });
    return verdict.access;
  }

  private async resolve(app: Application, access: AppAccess, ref: RefSpec): Promise<ResolvedSource> {
    const byCommit = 'commit' in ref;
    const spec = await appSourceSpec(this.deps.objects, app, access.project, ref, {
      allowFileRepos: this.deps.allowFileRepos === true,
      asCommit: byCommit,
    });
    return resolveSource(spec, this.deps.cacheDir, {
      ...(this.deps.sourceLimits === undefined ? {} : { limits: this.deps.sourceLimits }),
      // A commit already in the mirror (every synced one) needs no fetch.
      preferCache: byCommit,
    });
  }

  /** Runs `work` when fewer than MAX_CONCURRENT_PREVIEWS run, in order of arrival. */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < MAX_CONCURRENT_PREVIEWS) this.running += 1;
    // A finishing preview hands its slot over directly, so a newcomer cannot slip in between.
    else
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
      });
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }

  /** Live vs the app's target revision: the engine's dry-run, hooks left out, nothing written. */
  liveDiff(app: Application): Promise<SyncResult> {
    return this.limited(() => this.runLiveDiff(app));
  }

  private async runLiveDiff(app: Application): Promise<SyncResult> {
    const access = await this.access(app);
    const pinned = app.status?.sync?.pinnedRevision;
    const fetched = await this.resolve(
      app,
      access,
      pinned === undefined ? refOfSpec(app.spec) : { commit: pinned },
    );
    const tree = await exportSource(fetched, this.deps.cacheDir);
    const healthChecks = this.deps.healthChecks?.lastFor(app);
    try {
      return await syncApplication(
        {
          ...(healthChecks === undefined ? {} : { healthChecks }),
          objects: access.objects,
          admit: access.admit,
          namespaceCreator: access.clusterObjects,
          tools: this.deps.tools,
          ...(this.renderCache === undefined ? {} : { renderCache: this.renderCache }),
          inventory: {
            load: () => Promise.resolve({ entries: app.status?.inventory ?? [] }),
            save: () => Promise.resolve(),
          },
        },
        engineRequestOf(app, this.deps.controllerNamespace, fetched, tree.root, this.deps, {
          allowMassPrune: true,
          dryRun: true,
          includeHooks: false,
          wait: false,
        }),
      );
    } finally {
      await tree.release();
    }
  }

  /**
   * The planned objects of `commit` for this app (render + plan as a sync would, no cluster state read but
   * discovery). Cached by repository, commit, path, render options and destination; a failure is not cached.
   */
  desiredAt(app: Application, commit: string): Promise<DesiredState> {
    const key = canonicalJson({
      repo: app.spec.source.repoURL,
      commit,
      path: app.spec.source.path,
      options: renderOptionsOf(app.spec, app.metadata.name),
      cluster: app.spec.destination.cluster,
      namespace: app.spec.destination.namespace,
      tracking: trackingNameOf(app, this.deps.controllerNamespace),
    });
    const cached = this.desired.get(key);
    if (cached !== undefined) {
      // Most recently used last.
      this.desired.delete(key);
      this.desired.set(key, cached);
      return cached;
    }
    const pending = this.limited(() => this.computeDesired(app, commit));
    this.desired.set(key, pending);
    pending.catch(() => this.desired.delete(key));
    while (this.desired.size > DESIRED_CACHE_SIZE) {
      const oldest = this.desired.keys().next().value;
      if (oldest === undefined) break;
      this.desired.delete(oldest);
    }
    return pending;
  }

  private async computeDesired(app: Application, commit: string): Promise<DesiredState> {
    const access = await this.access(app);
    const fetched = await this.resolve(app, access, { commit });
    const cluster = access.clusterObjects;
    const tree = await exportSource(fetched, this.deps.cacheDir);
    try {
      const kubeVersion = await cluster.discovery.serverVersion();
      const rendered = await render({
        root: tree.root,
        path: fetched.path,
        namespace: app.spec.destination.namespace,
        options: renderOptionsOf(app.spec, app.metadata.name),
        tools: this.deps.tools,
        ...(kubeVersion === '' ? {} : { kubeVersion }),
      });
      await cluster.discovery.load();
      const plan = buildPlan({
        appName: trackingNameOf(app, this.deps.controllerNamespace),
        objects: rendered.objects.map((r) => r.object),
        defaultNamespace: app.spec.destination.namespace,
        isNamespaced: (group, kind) => cluster.discovery.isNamespaced(group, kind),
        previousInventory: [],
        prune: false,
        pruneBrake: { maxFraction: 1, allow: true },
      });
      return {
        commit: fetched.commit,
        objects: plan.objects,
        warnings: [...rendered.warnings, ...plan.warnings],
      };
    } catch (error) {
      if (error instanceof MooringError) throw error;
      throw new MooringError(
        'RENDER_FAILED',
        `${app.metadata.name} at ${commit.slice(0, 12)}: ${errorMessage(error)}`,
        {
          step: 'render',
        },
      );
    } finally {
      await tree.release();
    }
  }
}

/** `Kind/namespace/name` of a planned object. */
export function subjectOfPlanned(p: PlannedObject): string {
  return subjectOf(p.ref);
}
