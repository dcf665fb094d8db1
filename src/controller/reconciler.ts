import { errorMessage, MooringError } from '../core/errors.js';
import type { Egress } from '../net/egress.js';
import type { Logger } from '../core/logger.js';
import { syncApplication } from '../engine/sync.js';
import type { RenderObserver } from '../engine/sync.js';
import type { SyncFailure, SyncResult } from '../engine/types.js';
import { assessHealthWith } from '../health/custom/index.js';
import { assessHealth } from '../health/index.js';
import type { HealthResult } from '../health/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ClusterRegistry } from '../kube/clusters.js';
import type { InventoryEntry, PlannedObject } from '../plan/types.js';
import type { RenderTools } from '../render/types.js';
import { exportSource, resolveSource } from '../source/index.js';
import { RenderCache } from '../render/cache.js';
import type { ExportedTree, FetchObserver, ResolvedSource, SourceLimits } from '../source/types.js';
import { healObjects } from '../apply/heal.js';
import type { KubeObject } from '../core/objects.js';
import type { Application, ApplicationStatus, Trigger } from '../app/model.js';
import {
  appKeyOf,
  appRefOf,
  MOORING_API_VERSION,
  readApplication,
  readStatus,
  shortCommit,
} from '../app/model.js';
import { driftModeOf, intervalMs, refOfSpec } from '../app/spec.js';
import { recordEvent } from './events.js';
import type { LiveCache } from './live-cache.js';
import type { ClusterHealthChecks } from './health-checks.js';
import { RECORD_APP_LABEL } from './records.js';
import { commitRevert } from '../source/rollback.js';
import { credentialsOf, refuseFileRepo, REPOSITORY_CREDENTIALS } from './source-access.js';
import { WatchedSet } from './watched-set.js';
import { SharedExports } from '../source/shared-export.js';
import type { DeliveryStatus } from '../crd/delivery.js';
import type { Project } from '../crd/project.js';
import { appOfTrackingName, PROJECT_REFUSED, resolveProject, trackingNameOf } from './tenancy.js';
import type { AppAccess, ProjectLookup } from './tenancy.js';
import { buildStatus } from './status.js';
import {
  eventSink,
  failureReport,
  fieldsReport,
  healReport,
  recordSink,
  refreshReport,
  rolloutReport,
  statusSink,
  syncReport,
} from './report.js';
import type { HealthChange, ReconcileReport, ReportSink, RequestReport } from './report.js';
import { holdOf } from './decide.js';
import { isTerminal, isWaiting, waitingDelayMs } from '../app/retry.js';
import type { OutOfSync } from './status.js';
import { DeliveryCoordinator, deliveryPatch } from '../delivery/coordinator.js';
import type { HoldCapture } from '../delivery/coordinator.js';
import type { ActiveRollout } from '../delivery/runner.js';
import { SyncPreview } from './preview.js';
import { appSourceSpec, engineRequestOf } from './app-source.js';

/**
 * What the reconciler remembers about an app between reconciles (memory only; rebuilt after restart).
 * Part of the controller's one state record per app (decide.ts AppState), removed with it.
 */
export interface AppMemory {
  generation?: number | undefined;
  commit?: string;
  treeHash?: string;
  planned: Map<string, PlannedObject>;
  /** Out-of-sync objects left alone (warn mode, manual sync). */
  outOfSync: Map<string, OutOfSync>;
  failures: number;
  /** A commit that failed terminally: not retried until a new commit or spec. */
  stalledCommit?: string;
  /** The Project's resourceVersion when the commit stalled: a changed Project is worth another try. */
  stalledProject?: string | undefined;
  /** A progressive rollout in progress (spec.delivery). */
  rollout?: ActiveRollout | undefined;
  /**
   * Objects the last successful sync left as their manifest says, by id: the manifest (JSON) and when that
   * sync started. A later sync skips the dry-run of an object whose manifest is the same and that nobody has
   * changed since (no drift seen by the live cache).
   */
  settled?: Map<string, { manifest: string; since: number }> | undefined;
  /** How many SyncRecords the app has, when known (retention lists them only when it may be over). */
  records?: number | undefined;
  /** Why it stalled: a poll of the same commit rebuilds status with it (health moves; Stalled stays). */
  stalledFailure?: SyncFailure | undefined;
}

/** What a status write is made of (the rest comes from memory and the live cache). */
export interface StatusWrite {
  result?: SyncResult;
  failure?: SyncFailure;
  planned: PlannedObject[];
  fetched?: ResolvedSource;
  lastSync?: ApplicationStatus['lastSync'];
  /**
   * Status fields set as given, alone (no rebuild from memory and the live cache): a rollback's pin, an
   * unpin (null removes), the inventory intent. Empty: nothing is written.
   */
  fields?: StatusFields;
}

/** Status fields a request or an intent sets directly (merge patch). */
export interface StatusFields {
  inventory?: InventoryEntry[];
  rolledBackRevision?: string;
  /** null removes the pin. */
  pinnedRevision?: string | null;
  /**
   * Progressive delivery's state, whole: a field it leaves out is removed (deliveryPatch), except the stable
   * template hash, which only the coordinator's own partial patch writes.
   */
  delivery?: DeliveryStatus;
}

export interface ReconcilerDeps {
  /** The controller's own identity: reads, status, records, events, and namespaces its Projects allow. */
  objects: ObjectsApi;
  /** Where Projects are read from (and what a Project's namespace globs never match). */
  controllerNamespace: string;
  /** The Projects of `controllerNamespace` (the controller's watch). */
  projects: ProjectLookup;
  tools: RenderTools;
  cacheDir: string;
  /** Destination clusters: `in-cluster` is `objects`' own; the others come from cluster Secrets. */
  clusters: ClusterRegistry;
  /** The live cache of a destination cluster (undefined for a cluster that is not registered). */
  liveFor: (cluster: string) => LiveCache | undefined;
  logger: Logger;
  concurrency: number;
  timeoutMs: number;
  /** Accept file:// repoURLs (tests and the demo); refused otherwise: they reach the controller's own disk. */
  allowFileRepos?: boolean;
  /** Size limits of one source export (defaults: DEFAULT_SOURCE_LIMITS). */
  sourceLimits?: Partial<SourceLimits>;
  /** Custom health checks (cluster ConfigMap + each app's spec.healthCheckExprs); none: built-in rules only. */
  healthChecks?: ClusterHealthChecks;
  /** More consumers of each report (metrics, notifications), after records, Events and status. */
  extraSinks?: ReportSink[];
  /** Told of each git fetch and each render (metrics). */
  onFetch?: FetchObserver;
  onRender?: RenderObserver;
  /** Outbound connections to URLs tenants write (delivery analysis and webhooks). */
  egress: Egress;
}

/** `unchanged`: nothing was synced or written (same commit, tree and spec, or a stalled/rolled-back commit). */
export type ReconcileOutcome =
  | { kind: 'done'; unchanged?: true }
  | { kind: 'retry'; failures: number }
  | { kind: 'waiting'; delayMs: number };

/** Reconciles one Application: fetch, decide, sync (or heal), record, report. */
export class Reconciler {
  private readonly renderCache = new RenderCache(200);
  /** Syncs of the same commit at the same time share one export (nothing writes into it). */
  private readonly exports = new SharedExports((source) => exportSource(source, this.deps.cacheDir));

  private readonly sinks: ReportSink[];
  /** Repository credential Secrets by Application namespace, watched from the first fetch there. */
  private readonly credentialWatches = new Map<string, WatchedSet>();

  /** Read-only looks for the API (live diff, desired state of a revision), through the same steps. */
  readonly preview: SyncPreview;

  /** Progressive delivery (spec.delivery): see src/delivery/coordinator.ts. */
  readonly delivery: DeliveryCoordinator;

  constructor(private readonly deps: ReconcilerDeps) {
    this.preview = new SyncPreview(deps, this.renderCache);
    this.delivery = new DeliveryCoordinator({
      objects: deps.objects,
      logger: deps.logger,
      // The memory handed to the coordinator is this app's AppMemory.
      rollback: (app, memory, target) => this.rollback(app, memory as AppMemory, target),
      publish: (app, memory, publication) =>
        this.publish(rolloutReport({ app, memory: memory as AppMemory, ...publication })),
      egress: deps.egress,
    });
    this.sinks = [
      recordSink(deps.objects, deps.logger),
      eventSink(deps.objects),
      statusSink((app, memory, input) => this.writeStatus(app, memory, input)),
      ...(deps.extraSinks ?? []),
    ];
  }

  /** Stops the watches the reconciler started. */
  stop(): void {
    for (const watch of this.credentialWatches.values()) watch.stop();
    this.credentialWatches.clear();
  }

  /** The labelled repository credentials of a namespace, from a watch (no request per fetch). */
  private credentialSecrets(namespace: string): Promise<KubeObject[]> {
    let watch = this.credentialWatches.get(namespace);
    if (watch === undefined) {
      watch = new WatchedSet(
        this.deps.objects,
        { apiVersion: 'v1', kind: 'Secret', namespace, labelSelector: REPOSITORY_CREDENTIALS },
        this.deps.logger,
      );
      this.credentialWatches.set(namespace, watch);
    }
    return watch.objects();
  }

  /**
   * The app's Project verdict on its destination cluster; a refusal is written to status (and an Event the
   * first time); so is an unknown cluster (terminal) or an unreachable one (transient: the outcome is a retry).
   */
  private async access(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
  ): Promise<{ access: AppAccess } | { outcome: ReconcileOutcome }> {
    const cluster = app.spec.destination.cluster;
    let clusterObjects: ObjectsApi | undefined;
    let unknownCluster: unknown;
    try {
      clusterObjects = this.deps.clusters.connection(cluster).objects;
    } catch (error) {
      unknownCluster = error;
    }
    // The Project speaks first (a cluster it does not list is its refusal); the local connection only stands
    // in for an unknown cluster so the verdict can be formed — nothing is sent through it then.
    const verdict = await resolveProject(
      this.deps.projects,
      clusterObjects ?? this.deps.objects,
      this.deps.controllerNamespace,
      app,
    );
    if (verdict.kind === 'allowed') {
      if (clusterObjects === undefined)
        return { outcome: await this.clusterFailed(app, memory, trigger, unknownCluster) };
      try {
        await this.deps.clusters.ensureReachable(cluster);
      } catch (error) {
        return { outcome: await this.clusterFailed(app, memory, trigger, error) };
      }
      return { access: verdict.access };
    }
    // One Event when the refusal is new (not one per poll).
    const before = app.status?.conditions?.find((c) => c.type === 'Ready');
    const isNew = before?.reason !== PROJECT_REFUSED || !before.message.includes(verdict.failure.message);
    if (isNew)
      this.deps.logger.warn({ app: appKeyOf(app), err: verdict.failure.message }, 'refused by its Project');
    await this.publish(
      failureReport({
        kind: 'refusal',
        app,
        memory,
        trigger,
        failure: verdict.failure,
        event: isNew
          ? { type: 'Warning', reason: PROJECT_REFUSED, message: verdict.failure.message }
          : undefined,
      }),
    );
    return { outcome: { kind: 'done' } };
  }

  /**
   * An unknown cluster (terminal: the app waits for its Secret, whose arrival re-triggers it) or an
   * unreachable one (transient: retried, and the registry re-triggers the app when the cluster answers).
   */
  private async clusterFailed(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
    error: unknown,
  ): Promise<ReconcileOutcome> {
    const failure = failureOf(error, 'plan');
    const before = app.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    if (!isTerminal(failure)) memory.failures += 1;
    // One Event when the message changes (not one per retry).
    const reason = isTerminal(failure) ? 'ClusterUnknown' : 'ClusterUnreachable';
    await this.publishFailure(
      app,
      memory,
      trigger,
      failure,
      before.includes(failure.message) ? undefined : reason,
    );
    return isTerminal(failure) ? { kind: 'done' } : { kind: 'retry', failures: memory.failures };
  }

  /**
   * Corrects (enforce) or reports (warn) the objects a watch saw changed, without fetching or rendering:
   * the cached subset of the plan goes through the same validate/apply rules as a full sync (healObjects),
   * as the Project's identity.
   */
  async heal(app: Application, memory: AppMemory, ids: Set<string>): Promise<void> {
    const startedAt = new Date().toISOString();
    const granted = await this.access(app, memory, 'drift');
    if (!('access' in granted)) return;
    const { access } = granted;
    const appMode = driftModeOf(app.spec);
    const drifted = [...ids]
      .map((id) => memory.planned.get(id))
      .filter((p): p is PlannedObject => p !== undefined)
      .map((planned) => ({
        planned,
        mode:
          planned.options.drift === 'warn' || appMode === 'warn' ? ('warn' as const) : ('enforce' as const),
      }));
    const outcomes = await healObjects(access.objects, {
      appName: trackingNameOf(app, this.deps.controllerNamespace),
      objects: drifted,
      concurrency: this.deps.concurrency,
    });
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    for (const { planned } of drifted) {
      const outcome = byId.get(planned.id);
      if (outcome === undefined || (outcome.action !== 'unchanged' && outcome.action !== 'failed'))
        memory.outOfSync.delete(planned.id);
      else
        memory.outOfSync.set(planned.id, {
          message: outcome.message ?? 'drifted',
          drift: outcome.drift ?? [],
        });
    }
    // Published even when nothing differed: status is rebuilt (written only if it changed), so a health
    // signal that arrived in the same turn as the drift is never dropped.
    await this.publish(
      healReport({ app, memory, outcomes, startedAt, finishedAt: new Date().toISOString() }),
    );
  }

  /**
   * Rolls back to `target` (a commit, or 'previous': the last successful revision before the current one).
   * Pushes a revert commit to the tracked branch when it can; otherwise pins the app to `target`, visibly,
   * until unpinned. Either way the rolled-back revision is remembered and never re-applied automatically.
   */
  async rollback(app: Application, memory: AppMemory, target: string): Promise<RequestReport> {
    const current = app.status?.sync?.revision;
    const resolved = target === 'previous' ? await this.previousRevision(app, current) : target;
    if (resolved === undefined) {
      await this.publish(
        fieldsReport({
          kind: 'request',
          app,
          memory,
          trigger: 'rollback',
          fields: {},
          request: { kind: 'rollback', how: 'failed' },
          events: [
            {
              type: 'Warning',
              reason: 'RollbackFailed',
              message: 'no earlier successful revision in the history to roll back to',
            },
          ],
        }),
      );
      return { kind: 'rollback', how: 'failed', reason: 'no earlier successful revision in the history' };
    }
    // The Project must still allow the repository before credentials go to it.
    if (!('access' in (await this.access(app, memory, 'rollback'))))
      return {
        kind: 'rollback',
        how: 'failed',
        target: resolved,
        reason: 'the Project refused the repository',
      };
    const branch = app.spec.source.ref.branch;
    refuseFileRepo(app, this.deps.allowFileRepos === true);
    const credentials = await credentialsOf(this.deps.objects, app);
    const outcome =
      branch === undefined
        ? { kind: 'refused' as const, reason: 'the app follows a tag, semver range or commit, not a branch' }
        : await commitRevert({
            repoURL: app.spec.source.repoURL,
            branch,
            path: app.spec.source.path,
            target: resolved,
            appName: app.metadata.name,
            credentials,
          });
    const fields: StatusFields =
      outcome.kind === 'pushed'
        ? { rolledBackRevision: outcome.revertedHead, pinnedRevision: null }
        : { ...(current === undefined ? {} : { rolledBackRevision: current }), pinnedRevision: resolved };
    const message =
      outcome.kind === 'pushed'
        ? `committed ${shortCommit(outcome.commit)} reverting ${app.spec.source.path === '' ? '.' : app.spec.source.path} to ${shortCommit(resolved)}`
        : `pinned to ${shortCommit(resolved)}; newer commits are not applied until mooring unpin (${outcome.reason})`;
    const request: RequestReport =
      outcome.kind === 'pushed'
        ? { kind: 'rollback', target: resolved, how: 'pushed', commit: outcome.commit }
        : { kind: 'rollback', target: resolved, how: 'pinned' };
    await this.publish(
      fieldsReport({
        kind: 'request',
        app,
        memory,
        trigger: 'rollback',
        fields,
        request,
        events: [{ type: 'Normal', reason: outcome.kind === 'pushed' ? 'RolledBack' : 'Pinned', message }],
      }),
    );
    this.deps.logger.info({ app: app.metadata.name, target: resolved, how: outcome.kind }, message);
    return outcome.kind === 'pushed' ? request : { ...request, reason: outcome.reason };
  }

  /** Removes a pin; the rolled-back revision stays remembered until a newer commit arrives. */
  async unpin(app: Application, memory: AppMemory): Promise<void> {
    await this.publish(
      fieldsReport({
        kind: 'request',
        app,
        memory,
        trigger: 'rollback',
        fields: { pinnedRevision: null },
        request: { kind: 'unpin' },
        events: [{ type: 'Normal', reason: 'Unpinned', message: 'following the tracked ref again' }],
      }),
    );
  }

  private async previousRevision(app: Application, current: string | undefined): Promise<string | undefined> {
    const records = await this.deps.objects.list(MOORING_API_VERSION, 'SyncRecord', {
      namespace: app.metadata.namespace,
      labelSelector: `${RECORD_APP_LABEL}=${app.metadata.name}`,
    });
    const specs = records
      .map((r) => r.spec as { revision?: string; result?: string; startedAt?: string })
      .filter(
        (s) =>
          s.result === 'Succeeded' && s.revision !== undefined && s.revision !== '' && s.revision !== current,
      )
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
    return specs[0]?.revision;
  }

  /** A full reconcile: fetch the source, skip if nothing changed, otherwise sync and record. */
  /** `triggeredAt` (monotonicNow()): when the trigger arrived; a fetch begun after it is fresh enough. */
  async reconcile(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
    triggeredAt?: number,
  ): Promise<ReconcileOutcome> {
    const startedAt = new Date().toISOString();
    const reads: { liveReadAt?: number } = {};
    // Before the fetch: credentials never go to a repository the Project does not list.
    const granted = await this.access(app, memory, trigger);
    if (!('access' in granted)) return granted.outcome;
    const { access } = granted;
    const turn = await this.delivery.turn(app, memory, access.objects);
    if (turn.kind === 'wait') return { kind: 'waiting', delayMs: turn.delayMs };
    const projectVersion = access.project.metadata.resourceVersion as string | undefined;
    let fetched: ResolvedSource;
    try {
      fetched = await this.fetch(app, access.project, triggeredAt);
    } catch (error) {
      return this.sourceFailed(app, memory, trigger, error);
    }
    const hold = holdOf({
      memory,
      status: app.status,
      commit: fetched.commit.sha,
      treeHash: fetched.pathTreeHash,
      generation: app.metadata.generation as number | undefined,
      projectVersion,
      trigger,
    });
    // A promotion syncs the same commit again: the stable gets the new template this time.
    if (hold === 'unchanged' && turn.kind !== 'sync') {
      // Nothing new to sync, but the health of what the app owns may have moved (a signal missed while a
      // watch re-listed): status is rebuilt from the live cache, written only if it differs.
      await this.publish(refreshReport({ kind: 'unchanged', app, memory, trigger }));
      return { kind: 'done', unchanged: true };
    }
    if (hold === 'stalled') {
      // Rebuilt with the failure that stalled it: Stalled stays until a new commit, spec or Project, while
      // the health of what is live still reaches status.
      const failure = memory.stalledFailure;
      await this.publish(
        failure === undefined
          ? fieldsReport({ kind: 'hold', app, memory, trigger, fields: {} })
          : failureReport({ kind: 'hold', app, memory, trigger, failure }),
      );
      return { kind: 'done', unchanged: true };
    }
    if (hold === 'rolled-back') {
      await this.publish(
        failureReport({
          kind: 'hold',
          app,
          memory,
          trigger,
          failure: {
            step: 'source',
            message: `${shortCommit(fetched.commit.sha)} was rolled back; waiting for a newer commit`,
            hint: 'push a fix, or mooring sync --wait to apply it anyway',
          },
        }),
      );
      return { kind: 'done' };
    }
    const checksRefused = await this.loadHealthChecks(app, memory, trigger);
    if (checksRefused !== undefined) return checksRefused;
    // Exported only now that a render is needed, and removed as soon as the sync is over.
    let tree: ExportedTree;
    try {
      tree = await this.exports.acquire(fetched);
    } catch (error) {
      return this.sourceFailed(app, memory, trigger, error);
    }
    let result: SyncResult;
    const stableRevision = app.status?.sync?.syncedRevision ?? memory.commit;
    const deliveryHold = this.delivery.capture(app, memory);
    try {
      result = await this.runEngine(app, memory, trigger, fetched, tree.root, access, reads, deliveryHold);
    } finally {
      await tree.release();
    }
    await this.blameCluster(app, result);
    await this.reportConflicts(app, result);
    memory.generation = app.metadata.generation as number | undefined;
    memory.commit = fetched.commit.sha;
    memory.treeHash = fetched.pathTreeHash;
    memory.settled = reads.liveReadAt === undefined ? undefined : settledAfter(result, reads.liveReadAt);
    memory.outOfSync.clear();
    if (result.planned !== undefined) memory.planned = new Map(result.planned.map((p) => [p.id, p]));
    if (result.dryRun) {
      for (const o of result.outcomes)
        if (o.action !== 'unchanged' && o.action !== 'orphaned')
          memory.outOfSync.set(o.id, { message: `would be ${o.action}`, drift: o.drift ?? [] });
    }
    await this.deps.liveFor(app.spec.destination.cluster)?.ensureWatching(kindsOf(result.planned ?? []));
    const terminal = isTerminal(result.error);
    if (terminal) {
      memory.stalledCommit = fetched.commit.sha;
      memory.stalledProject = projectVersion;
      memory.stalledFailure = result.error;
    } else {
      delete memory.stalledCommit;
      delete memory.stalledFailure;
    }
    memory.failures = result.error === undefined || terminal ? 0 : memory.failures + 1;
    await this.publish(
      syncReport({
        app,
        memory,
        trigger,
        startedAt,
        finishedAt: new Date().toISOString(),
        fetched,
        result,
      }),
    );
    if (result.error === undefined && !result.dryRun) {
      const next = await this.delivery.afterSync(
        app,
        memory,
        access.objects,
        deliveryHold?.decision(),
        fetched.commit.sha,
        stableRevision,
      );
      if (next.kind === 'wait') return { kind: 'waiting', delayMs: next.delayMs };
    }
    if (isWaiting(result.error))
      return { kind: 'waiting', delayMs: waitingDelayMs(memory.failures, intervalMs(app.spec)) };
    if (result.error !== undefined && !terminal) return { kind: 'retry', failures: memory.failures };
    return { kind: 'done' };
  }

  /** Compiles the app's custom health checks; a bad expression fails the sync, naming it. */
  private async loadHealthChecks(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
  ): Promise<ReconcileOutcome | undefined> {
    if (this.deps.healthChecks === undefined) return undefined;
    try {
      await this.deps.healthChecks.forApp(app);
      return undefined;
    } catch (error) {
      memory.failures += 1;
      const failure = failureOf(error, 'validate');
      await this.publishFailure(app, memory, trigger, failure, 'HealthChecksInvalid');
      return { kind: 'retry', failures: memory.failures };
    }
  }

  private async sourceFailed(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
    error: unknown,
  ): Promise<ReconcileOutcome> {
    memory.failures += 1;
    const failure = failureOf(error, 'source');
    await this.publishFailure(app, memory, trigger, failure, 'SourceFailed');
    // Terminal (an unsafe URL, an unverified commit): Stalled; the next poll looks for a new commit.
    if (isTerminal(failure)) return { kind: 'done' };
    if (isWaiting(failure))
      return { kind: 'waiting', delayMs: waitingDelayMs(memory.failures, intervalMs(app.spec)) };
    return { kind: 'retry', failures: memory.failures };
  }

  private async fetch(app: Application, project: Project, freshSince?: number): Promise<ResolvedSource> {
    const pinned = app.status?.sync?.pinnedRevision;
    const spec = await appSourceSpec(
      this.deps.objects,
      app,
      project,
      pinned === undefined ? refOfSpec(app.spec) : { commit: pinned },
      {
        allowFileRepos: this.deps.allowFileRepos === true,
        asCommit: pinned !== undefined,
        labelledSecrets: (namespace) => this.credentialSecrets(namespace),
      },
    );
    return resolveSource(spec, this.deps.cacheDir, {
      ...(this.deps.sourceLimits === undefined ? {} : { limits: this.deps.sourceLimits }),
      ...(freshSince === undefined ? {} : { freshSince }),
      ...(this.deps.onFetch === undefined ? {} : { onFetch: this.deps.onFetch }),
    });
  }

  /** Runs the engine; an app without automated sync is only compared (dry run) unless synced by hand. */
  private async runEngine(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
    fetched: ResolvedSource,
    root: string,
    access: AppAccess,
    /** Set to when the engine first read live state (from the watch cache) in this sync. */
    reads: { liveReadAt?: number },
    hold?: HoldCapture,
  ): Promise<SyncResult> {
    // Settled objects skip their dry-run only when the spec is the one the app last synced.
    const lastSynced = memory.generation === app.metadata.generation ? memory : undefined;
    const settled = lastSynced?.settled;
    const outOfSync = lastSynced?.outOfSync;
    const dryRun = !app.spec.syncPolicy.automated && trigger !== 'manual';
    const inventory = app.status?.inventory ?? [];
    const healthChecks = this.deps.healthChecks?.lastFor(app);
    // Live state from the watch cache of the app's destination cluster.
    const cache = this.deps.liveFor(app.spec.destination.cluster);
    return syncApplication(
      {
        ...(healthChecks === undefined ? {} : { healthChecks }),
        ...(hold === undefined ? {} : { beforeValidate: hold.beforeValidate }),
        ...(this.deps.onRender === undefined ? {} : { onRender: this.deps.onRender }),
        objects: access.objects,
        admit: access.admit,
        ...(cache === undefined
          ? {}
          : {
              live: {
                known: async (planned: readonly PlannedObject[]) => {
                  const found = await cache.known(planned);
                  reads.liveReadAt ??= Date.now();
                  return found;
                },
              },
            }),
        ...(settled === undefined || cache === undefined
          ? {}
          : {
              knownUnchanged: (p: PlannedObject, live: KubeObject) =>
                isSettled(p, live, settled.get(p.id), cache, outOfSync?.has(p.id) === true),
            }),
        // The destination namespace is one the Project allows (checked before the fetch).
        namespaceCreator: access.clusterObjects,
        tools: this.deps.tools,
        renderCache: this.renderCache,
        inventory: {
          load: () => Promise.resolve({ entries: inventory }),
          save: () => Promise.resolve(),
          saveIntent: (entries) => this.saveIntent(app, memory, trigger, entries),
        },
      },
      engineRequestOf(app, this.deps.controllerNamespace, fetched, root, this.deps, {
        allowMassPrune: false,
        dryRun,
        wait: false,
      }),
    );
  }

  /**
   * Tells each application that owns an object this app was refused for (Argo CD's SharedResourceWarning)
   * with a Warning Event on it: both sides of a shared object hear of it. The owner is looked up in this
   * app's namespace; best effort.
   */
  private async reportConflicts(app: Application, result: SyncResult): Promise<void> {
    const byOwner = new Map<string, string[]>();
    for (const { owner, subject } of result.conflicts ?? [])
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), subject]);
    for (const [owner, subjects] of byOwner) {
      const found = await this.deps.objects
        .get(
          MOORING_API_VERSION,
          appRefOf({ metadata: appOfTrackingName(owner, this.deps.controllerNamespace) }),
        )
        .catch(() => undefined);
      const ownerApp = found === undefined ? undefined : readApplication(found);
      if (ownerApp?.ok !== true) continue;
      // An Event on another app (the owner), not a state change of this one: not part of this app's report.
      await recordEvent(
        this.deps.objects,
        ownerApp.app,
        'Warning',
        'SharedResourceConflict',
        `application ${app.metadata.namespace}/${app.metadata.name} also defines ${subjects.join(', ')}; its sync was refused and this application keeps them`,
      );
    }
  }

  /**
   * A sync on a remote cluster that failed for a reason worth retrying: if the cluster no longer answers,
   * the failure says so ("cluster X unreachable since T"), not the request that happened to fail first.
   */
  private async blameCluster(app: Application, result: SyncResult): Promise<void> {
    if (result.error === undefined || isTerminal(result.error)) return;
    const down = await this.deps.clusters.check(app.spec.destination.cluster);
    if (down === undefined) return;
    result.error = {
      ...result.error,
      retry: 'transient',
      message: down.message,
      ...(down.hint === undefined ? {} : { hint: down.hint }),
    };
  }

  /** Writes the ids a sync is about to own into status before it applies anything (a restart then still prunes them). */
  private async saveIntent(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
    entries: InventoryEntry[],
  ): Promise<void> {
    const known = new Set((app.status?.inventory ?? []).map((e) => e.id));
    if (entries.every((e) => known.has(e.id))) return;
    await this.publish(
      fieldsReport({ kind: 'intent', app, memory, trigger, fields: { inventory: entries } }),
    );
  }

  /** Publishes a failed turn: status says why; `reason`, when given, names the Warning Event recorded. */
  private async publishFailure(
    app: Application,
    memory: AppMemory,
    trigger: Trigger,
    failure: SyncFailure,
    reason: string | undefined,
  ): Promise<void> {
    await this.publish(
      failureReport({
        kind: 'failure',
        app,
        memory,
        trigger,
        failure,
        event: reason === undefined ? undefined : { type: 'Warning', reason, message: failure.message },
      }),
    );
  }

  /** Every sink, in order (records before status, which names the record). */
  async publish(report: ReconcileReport): Promise<void> {
    for (const sink of this.sinks) await sink(report);
  }

  /**
   * Writes status from memory and the live cache (health without extra requests); skips identical writes.
   * Only the status sink calls it: every status write is a report's. Returns the aggregated health before
   * and after (undefined when only `fields` were written).
   */
  private async writeStatus(
    app: Application,
    memory: AppMemory,
    input: StatusWrite,
  ): Promise<HealthChange | undefined> {
    if (input.fields !== undefined) {
      await this.writeFields(app, input.fields);
      return undefined;
    }
    const health = new Map<string, HealthResult>();
    const checks = this.deps.healthChecks?.lastFor(app);
    const cache = this.deps.liveFor(app.spec.destination.cluster);
    for (const p of input.planned) {
      const live = cache?.get(p.id);
      health.set(p.id, checks === undefined ? assessHealth(live) : assessHealthWith(checks, live));
    }
    const revision = input.fetched?.commit.sha ?? memory.commit;
    const status: ApplicationStatus = buildStatus({
      previous: app.status,
      generation: app.metadata.generation as number | undefined,
      ...(input.result === undefined ? {} : { result: input.result }),
      ...(input.failure === undefined ? {} : { failure: input.failure }),
      planned: input.planned,
      health,
      outOfSync: memory.outOfSync,
      ...(revision === undefined ? {} : { revision }),
      now: new Date().toISOString(),
    });
    if (input.fetched !== undefined) {
      status.source = {
        displayURL: input.fetched.displayURL,
        resolvedRef: input.fetched.resolvedRef,
        commitSubject: input.fetched.commit.subject,
        author: input.fetched.commit.authorName,
        pathTreeHash: input.fetched.pathTreeHash,
        ...(input.fetched.signatures === undefined
          ? {}
          : {
              signedBy: input.fetched.signatures.map(
                (v) => `${v.object} ${v.name.slice(0, 40)}: ${v.format} ${v.signer}`,
              ),
            }),
      };
    }
    if (input.lastSync !== undefined) status.lastSync = input.lastSync;
    const change: HealthChange = {
      before:
        app.status?.health === undefined
          ? undefined
          : { status: app.status.health.status, message: app.status.health.message ?? '' },
      after: { status: status.health?.status ?? 'Unknown', message: status.health?.message ?? '' },
    };
    if (sameJson(stripTimes(status), stripTimes(app.status ?? {}))) return change;
    // status.delivery is written by the rollout's own reports; a copy of it here could be an older one.
    const { delivery: _delivery, ...rebuilt } = status;
    const updated = await this.deps.objects.mergePatch(
      MOORING_API_VERSION,
      appRefOf(app),
      { status: rebuilt },
      { subresource: 'status' },
    );
    app.status = readStatus(updated) ?? status;
    return change;
  }

  /** Sets status fields as given (a merge patch; a null pin removes it); nothing when there are none. */
  private async writeFields(app: Application, fields: StatusFields): Promise<void> {
    if (Object.keys(fields).length === 0) return;
    const patch = {
      ...(fields.inventory === undefined ? {} : { inventory: fields.inventory }),
      ...(fields.rolledBackRevision === undefined ? {} : { rolledBackRevision: fields.rolledBackRevision }),
      ...(fields.pinnedRevision === undefined ? {} : { sync: { pinnedRevision: fields.pinnedRevision } }),
      ...(fields.delivery === undefined ? {} : deliveryPatch(fields.delivery).status),
    };
    const updated = await this.deps.objects.mergePatch(
      MOORING_API_VERSION,
      appRefOf(app),
      { status: patch },
      { subresource: 'status' },
    );
    app.status = readStatus(updated) ?? locally(app.status, fields);
  }
}

export { appKeyOf };

/** Equal as JSON whatever the key order (the API server's copy need not keep ours). */
function sameJson(a: unknown, b: unknown): boolean {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => [k, sorted(v)]),
    );
  };
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function stripTimes(status: ApplicationStatus): unknown {
  return { ...status, conditions: (status.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: '' })) };
}

/** What a sync left settled (see AppMemory.settled): nothing after a failure or a dry run. Pure. */
export function settledAfter(
  result: SyncResult,
  startedMs: number,
): Map<string, { manifest: string; since: number }> | undefined {
  if (result.error !== undefined || result.dryRun || result.planned === undefined) return undefined;
  const done = new Set(
    result.outcomes
      .filter((o) => ['created', 'configured', 'unchanged', 'recreated'].includes(o.action))
      .map((o) => o.id),
  );
  return new Map(
    result.planned
      .filter((p) => done.has(p.id) && p.hookDeletePolicies === undefined && p.generateName === undefined)
      .map((p) => [p.id, { manifest: JSON.stringify(p.object), since: startedMs }]),
  );
}

/**
 * True when a later sync may take `live` as its last sync left it, without a dry-run: the manifest is the one
 * that sync applied or found unchanged, the object is the watch cache's own copy, the cache has watched its
 * kind since before that sync read live state, nobody else has changed it since, and it is not out of sync
 * or being deleted. Pure over the cache's answers.
 */
export function isSettled(
  p: PlannedObject,
  live: KubeObject,
  last: { manifest: string; since: number } | undefined,
  cache: Pick<LiveCache, 'get' | 'lastDriftAt' | 'watchedSince'>,
  outOfSync: boolean,
): boolean {
  if (last === undefined || outOfSync || live.metadata.deletionTimestamp !== undefined) return false;
  if (cache.get(p.id) !== live) return false;
  const watchedSince = cache.watchedSince(p.object.apiVersion, p.ref.kind, p.ref.namespace);
  if (watchedSince === undefined || watchedSince > last.since) return false;
  const driftAt = cache.lastDriftAt(p.id);
  if (driftAt !== undefined && driftAt >= last.since) return false;
  return last.manifest === JSON.stringify(p.object);
}

/** The status after `fields`, when the API server's answer could not be read. Pure. */
function locally(status: ApplicationStatus | undefined, fields: StatusFields): ApplicationStatus {
  const { pinnedRevision: _pin, ...sync } = status?.sync ?? { status: 'Unknown' as const };
  return {
    ...status,
    ...(fields.inventory === undefined ? {} : { inventory: fields.inventory }),
    ...(fields.rolledBackRevision === undefined ? {} : { rolledBackRevision: fields.rolledBackRevision }),
    ...(fields.delivery === undefined
      ? {}
      : {
          delivery: {
            ...(status?.delivery?.stableTemplateHash === undefined
              ? {}
              : { stableTemplateHash: status.delivery.stableTemplateHash }),
            ...fields.delivery,
          },
        }),
    sync:
      fields.pinnedRevision === undefined
        ? (status?.sync ?? sync)
        : fields.pinnedRevision === null
          ? sync
          : { ...sync, pinnedRevision: fields.pinnedRevision },
  };
}

function kindsOf(planned: PlannedObject[]): { apiVersion: string; kind: string }[] {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const p of planned)
    if (p.hookDeletePolicies === undefined)
      seen.set(`${p.object.apiVersion}|${p.ref.kind}`, { apiVersion: p.object.apiVersion, kind: p.ref.kind });
  return [...seen.values()];
}

function failureOf(error: unknown, step: SyncFailure['step']): SyncFailure {
  if (error instanceof MooringError) {
    return {
      step: error.step ?? step,
      retry: error.retry,
      message: error.message,
      ...(error.subject === undefined ? {} : { subject: error.subject }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  return { step, retry: 'transient', message: errorMessage(error) };
}
