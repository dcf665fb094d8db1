import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

import type { KubeObject } from '../core/objects.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { pruneObjects } from '../apply/prune.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { ClusterRegistry } from '../kube/clusters.js';
import { monotonicNow } from '../source/fresh-flight.js';
import type { Watcher } from '../kube/watch.js';
import type { RenderTools } from '../render/types.js';
import type { SourceLimits } from '../source/types.js';
import type { Application, Trigger } from '../app/model.js';
import { appKeyOf, appRefOf, FINALIZER, MOORING_API_VERSION, readApplication } from '../app/model.js';
import { requestsOf } from '../app/protocol.js';
import { intervalMs, refOfSpec, retryDelayMs } from '../app/spec.js';
import type { DriftSignal } from './live-cache.js';
import { LiveCache } from './live-cache.js';
import { Reconciler } from './reconciler.js';
import { failureReport, refreshReport } from './report.js';
import { decide, newAppState, takePending } from './decide.js';
import type { AppState } from './decide.js';
import { resolveProject, trackingNameOf } from './tenancy.js';
import { PROJECT_KIND } from '../crd/project.js';
import { appsToRefresh, buildWebhookServer } from './webhook/index.js';
import type { PushEvent, WebhookSecrets } from './webhook/index.js';
import { backoffMs, jittered, systemTimers, WorkQueue } from './work-queue.js';
import type { Metrics } from '../metrics/metrics.js';
import { metricsDeps } from '../metrics/controller-deps.js';
import { metricsRoutes } from '../metrics/http.js';
import { appInfoOf, kubeRequestCounts } from '../metrics/view.js';
import { ClusterHealthChecks } from './health-checks.js';
import { assessHealthWith } from '../health/custom/index.js';
import { Egress } from '../net/egress.js';
import { Notifier } from '../notify/notifier.js';
import type { HealthContext, HealthResult } from '../health/types.js';
import { watchScopes } from '../kube/watch-scopes.js';

/** The request protocol lives in app/protocol.ts; re-exported for older imports. */
export { ROLLBACK_ANNOTATION, SYNC_REQUEST_ANNOTATION, UNPIN_ANNOTATION } from '../app/protocol.js';

export interface ControllerOptions {
  objects: ObjectsApi;
  tools: RenderTools;
  /**
   * The controller's own namespace: its Projects live here, and it holds the Lease. Applications here
   * keep their bare name as tracking label.
   */
  namespace: string;
  /**
   * Namespaces whose Applications are watched: 'all' (one cluster-wide watch), or a list; default just
   * `namespace`. Whether an Application may do anything is decided by the Project that lists its namespace.
   */
  applicationNamespaces?: string[] | 'all';
  cacheDir: string;
  concurrency: number;
  timeoutMs: number;
  logger: Logger;
  webhook?: {
    port: number;
    host: string;
    secrets: WebhookSecrets;
    /** More routes on the same server (the registry webhook of image automation). */
    plugins?: FastifyPluginAsync[];
  };
  /** Watch managed objects only in these namespaces (the namespace-scoped install); default cluster-wide. */
  watchNamespaces?: string[];
  /** Accept file:// repoURLs (tests and the demo); refused otherwise. */
  allowFileRepos?: boolean;
  /** Size limits of one source export (defaults: DEFAULT_SOURCE_LIMITS). */
  sourceLimits?: Partial<SourceLimits>;
  /** How often remote clusters in use are probed for reachability (default 10 s). */
  clusterProbeIntervalMs?: number;
  /** Prometheus metrics: fed by every reconcile report and served at /metrics (src/metrics/). */
  metrics?: Metrics;
  /** NotificationPolicies (watched in the application namespaces): dashboard link, http:// sinks allowed. */
  notifications?: { dashboardUrl?: string; allowHttp?: boolean; retryBaseMs?: number };
  /** Outbound connections to URLs tenants write (notification sinks, delivery analysis); default public only. */
  egress?: Egress;
  /**
   * Also hands every Application the watch delivers (parsed; DELETED as last seen) to this listener: the
   * API's index is fed from the controller's own watch rather than a second one.
   */
  applicationListener?: (type: 'ADDED' | 'MODIFIED' | 'DELETED', app: Application) => void;
}

/**
 * The pull-mode controller: watches Applications and the objects they manage, and keeps the cluster equal
 * to Git. Triggers: poll interval (with jitter), webhooks, drift (watch events), manual sync requests,
 * spec changes. One sync per app at a time; apps run concurrently up to `concurrency`.
 */
export class Controller {
  /** One state record per app, by key `namespace/name` (appKeyOf); removed whole on delete. */
  private readonly states = new Map<string, AppState>();
  /** Tracking label value (trackingNameOf) -> app key, for drift and health signals of managed objects. */
  private readonly byTrackingName = new Map<string, string>();
  private readonly queue: WorkQueue;
  /** Destination clusters (in-cluster and the cluster Secrets of the controller namespace). */
  readonly clusters: ClusterRegistry;
  /** One live cache per destination cluster, made on first use, for the connection it was made with. */
  private readonly lives = new Map<string, { objects: ObjectsApi; cache: LiveCache }>();
  private readonly healthChecks: ClusterHealthChecks;
  readonly reconciler: Reconciler;
  private readonly appWatches: Watcher[] = [];
  /** The Projects of the controller namespace, by name, as the watch last delivered them. */
  private readonly projects = new Map<string, KubeObject>();
  private webhookServer: FastifyInstance | undefined;
  /** Sends notifications from the reports (undefined when notifications are off). */
  readonly notifier: Notifier | undefined;
  private listed = false;

  constructor(private readonly options: ControllerOptions) {
    const healthChecks = new ClusterHealthChecks(options.objects, options.namespace, options.logger);
    this.healthChecks = healthChecks;
    this.clusters = new ClusterRegistry({
      local: options.objects,
      namespace: options.namespace,
      logger: options.logger,
      ...(options.watchNamespaces === undefined ? {} : { localNamespaces: options.watchNamespaces }),
      ...(options.clusterProbeIntervalMs === undefined
        ? {}
        : { probeIntervalMs: options.clusterProbeIntervalMs }),
      onChange: (cluster) => {
        this.onClusterChange(cluster);
      },
    });
    const metrics = options.metrics;
    const notify = options.notifications;
    const egress = options.egress ?? Egress.publicOnly();
    this.notifier =
      notify === undefined
        ? undefined
        : new Notifier({
            objects: options.objects,
            controllerNamespace: options.namespace,
            namespaces:
              options.applicationNamespaces === 'all'
                ? 'all'
                : [options.namespace, ...(options.applicationNamespaces ?? [])],
            logger: options.logger,
            ...notify,
            egress,
          });
    const metricsParts = metrics === undefined ? undefined : metricsDeps(metrics);
    this.reconciler = new Reconciler({
      ...options,
      egress,
      ...metricsParts,
      // Metrics, then notifications: both consume every report after records, Events and status.
      extraSinks: [
        ...(metricsParts?.extraSinks ?? []),
        ...(this.notifier === undefined ? [] : [this.notifier.sink()]),
      ],
      healthChecks,
      controllerNamespace: options.namespace,
      projects: (name) => Promise.resolve(this.projects.get(name)),
      clusters: this.clusters,
      liveFor: (cluster) => this.liveFor(cluster),
    });
    this.queue = new WorkQueue(
      (name) => this.handle(name),
      options.concurrency,
      systemTimers,
      metrics === undefined
        ? undefined
        : (waitedMs) => {
            metrics.queueWait.observe(waitedMs / 1000);
          },
    );
    metrics?.attach({
      apps: () => [...this.states.values()].map((state) => appInfoOf(state.app)),
      queue: () => this.queue.counts(),
      kubeRequests: () =>
        kubeRequestCounts(
          this.clusters.openConnections().map((c) => ({ cluster: c.name, stats: c.objects.requestStats })),
        ),
    });
  }

  async start(): Promise<void> {
    await this.options.objects.discovery.load();
    await this.clusters.start();
    // Projects first: an Application reconciled before they are listed would be refused for nothing.
    await this.watchProjects();
    // Before any app is reconciled: what was already sent is read from the policies' status.
    await this.notifier?.start();
    const namespaces = this.options.applicationNamespaces ?? [this.options.namespace];
    await Promise.all(
      watchScopes(namespaces).map(
        (namespace) =>
          new Promise<void>((resolve) => {
            const watch = this.options.objects.watch({
              apiVersion: MOORING_API_VERSION,
              kind: 'Application',
              ...(namespace === undefined ? {} : { namespace }),
              onEvent: (event) => {
                this.onApplicationEvent(event.type, event.object);
              },
              onSynced: resolve,
              onError: (error) => {
                this.options.logger.warn(
                  { namespace: namespace ?? '*', err: error.message },
                  'Application watch interrupted; resuming',
                );
              },
            });
            this.appWatches.push(watch);
          }),
      ),
    );
    this.listed = true;
    if (this.options.webhook !== undefined) await this.startWebhook(this.options.webhook);
    this.options.logger.info(
      {
        namespace: this.options.namespace,
        applicationNamespaces: namespaces === 'all' ? '*' : namespaces.join(','),
        apps: this.states.size,
      },
      'controller started',
    );
  }

  /**
   * A changed (or new, or deleted) Project is re-applied to its Applications at once rather than at their
   * next poll: a refused app may now be allowed, an allowed one refused, a stalled one worth a retry.
   */
  private async watchProjects(): Promise<void> {
    let synced = false;
    await new Promise<void>((resolve) => {
      const watch = this.options.objects.watch({
        apiVersion: MOORING_API_VERSION,
        kind: PROJECT_KIND,
        namespace: this.options.namespace,
        onEvent: (event) => {
          const project = event.object.metadata.name;
          if (event.type === 'DELETED') this.projects.delete(project);
          else this.projects.set(project, event.object);
          if (!synced) return;
          for (const [key, state] of this.states)
            if (state.app.spec.project === project) this.trigger(key, 'spec');
        },
        onSynced: () => {
          synced = true;
          resolve();
        },
        onError: (error) => {
          this.options.logger.warn({ err: error.message }, 'Project watch interrupted; resuming');
        },
      });
      this.appWatches.push(watch);
      // Without the Project CRD the watch never lists: start anyway (every app then says why it is refused).
      setTimeout(resolve, 10_000).unref();
    });
  }

  /** Finishes the syncs under way, then stops watching. */
  async stop(): Promise<void> {
    await this.queue.stop();
    await this.notifier?.stop();
    for (const watch of this.appWatches) watch.stop();
    for (const { cache } of this.lives.values()) cache.stop();
    this.lives.clear();
    this.clusters.stop();
    this.reconciler.stop();
    this.healthChecks.close();
    await this.webhookServer?.close();
  }

  /** Whether every Application watch has delivered its initial list (readiness). */
  get synced(): boolean {
    return this.listed;
  }

  /** Ask for a reconcile of the app with key `name` (`namespace/name`) now. */
  trigger(name: string, trigger: Trigger): void {
    const state = this.states.get(name);
    if (state === undefined) return;
    state.triggers.add(trigger);
    state.triggeredAt ??= monotonicNow();
    this.queue.add(name, 0);
  }

  /** What the controller keeps about the app `namespace/name`; undefined once the app is deleted. */
  stateOf(name: string): Readonly<AppState> | undefined {
    return this.states.get(name);
  }

  /** Every Application the controller knows, as last delivered (image automation reads their rollback state). */
  applications(): Application[] {
    return [...this.states.values()].map((state) => state.app);
  }

  /** How many apps have a state, and how many tracking names are indexed: both drop when an app is deleted. */
  get tracked(): { states: number; trackingNames: number } {
    return { states: this.states.size, trackingNames: this.byTrackingName.size };
  }

  get webhookAddress(): string | undefined {
    const address = this.webhookServer?.server.address();
    return address !== null && typeof address === 'object'
      ? `http://${address.address}:${address.port}`
      : undefined;
  }

  /** Parses what the watch delivered (defaults filled in); an object that is no valid Application is logged. */
  private onApplicationEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void {
    if (type === 'DELETED') {
      this.onApplication(type, object as Application);
      this.options.applicationListener?.(type, object as Application);
      return;
    }
    const parsed = readApplication(object);
    if (!parsed.ok) {
      this.options.logger.warn(
        { app: appKeyOf(object), err: parsed.message },
        'not a valid Application; ignored',
      );
      return;
    }
    this.onApplication(type, parsed.app);
    this.options.applicationListener?.(type, parsed.app);
  }

  private onApplication(type: 'ADDED' | 'MODIFIED' | 'DELETED', app: Application): void {
    const name = appKeyOf(app);
    const trackingName = trackingNameOf(app, this.options.namespace);
    if (type === 'DELETED') {
      this.forget(name);
      return;
    }
    const existing = this.states.get(name);
    const state = existing ?? newAppState(app, trackingName);
    const before = existing?.app;
    state.app = app;
    state.trackingName = trackingName;
    if (existing === undefined) this.states.set(name, state);
    this.byTrackingName.set(trackingName, name);
    const requests = requestsOf(app);
    if (requests.sync !== undefined && state.seen.sync !== requests.sync) {
      state.seen.sync = requests.sync;
      if (before !== undefined) this.trigger(name, 'manual');
    }
    if (requests.rollback !== undefined && state.seen.rollback !== requests.rollback.value) {
      state.seen.rollback = requests.rollback.value;
      if (before !== undefined) {
        state.rollbackTo = requests.rollback.target;
        this.trigger(name, 'rollback');
      }
    }
    if (requests.delivery !== undefined && state.seen.delivery !== requests.delivery.value) {
      state.seen.delivery = requests.delivery.value;
      // mooring promote / abort: the next turn of the rollout in progress obeys (not 'manual' for an abort:
      // the aborted commit must not be applied again by the same reconcile).
      if (before !== undefined && this.reconciler.delivery.request(state.memory, requests.delivery.what))
        this.trigger(name, requests.delivery.what === 'promote' ? 'manual' : 'rollback');
    }
    if (requests.unpin !== undefined && state.seen.unpin !== requests.unpin) {
      state.seen.unpin = requests.unpin;
      if (before !== undefined) {
        state.unpinRequested = true;
        // Not 'manual': after an unpin the rolled-back revision must still not be applied automatically.
        this.trigger(name, 'rollback');
      }
    }
    if (requests.refresh !== undefined && state.seen.refresh !== requests.refresh) {
      state.seen.refresh = requests.refresh;
      // A poll now: a new commit syncs an automated app; a manual app only shows what differs.
      if (before !== undefined) this.trigger(name, 'poll');
    }
    if (
      before === undefined ||
      before.metadata.generation !== app.metadata.generation ||
      app.metadata.deletionTimestamp !== undefined
    ) {
      this.trigger(name, before === undefined ? 'poll' : 'spec');
    }
    // Compared with the last Ready the watch delivered, not with `before`: writeStatus updates the cached
    // object in place, so `before` already shows this controller's own status writes.
    const ready = app.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const readyBefore = state.readySeen;
    state.readySeen = ready;
    if (readyBefore !== ready) {
      for (const [key, dependent] of this.states) {
        if (
          dependent.app.metadata.namespace === app.metadata.namespace &&
          dependent.app.spec.dependsOn?.some((d) => d.name === app.metadata.name) === true
        )
          this.trigger(key, 'dependency');
      }
    }
  }

  /**
   * The live cache's copy of object `id` (inventory id) on `cluster`, without any request; undefined when
   * the cache does not hold it (the API's resource tree then reads it).
   */
  cachedObject(cluster: string, id: string): KubeObject | undefined {
    return this.lives.get(cluster)?.cache.get(id);
  }

  /** How this app's objects are judged: its custom health checks (last compiled) in front of the built-in rules. */
  assessFor(app: Application): (obj: KubeObject | undefined, context: HealthContext) => HealthResult {
    const checks = this.healthChecks.lastFor(app);
    return (obj, context) => assessHealthWith(checks, obj, context);
  }

  /**
   * The live cache of cluster `name` (undefined when it is not registered): one per connection, so a changed
   * cluster Secret gets a fresh cache with the new credentials.
   */
  private liveFor(cluster: string): LiveCache | undefined {
    let objects: ObjectsApi;
    try {
      objects = this.clusters.connection(cluster).objects;
    } catch {
      return undefined;
    }
    const current = this.lives.get(cluster);
    if (current?.objects === objects) return current.cache;
    current?.cache.stop();
    const connection = this.clusters.connection(cluster);
    const cache = new LiveCache(
      objects,
      (signal) => {
        this.onDrift(signal, cluster);
      },
      this.options.logger,
      (appName) => {
        this.onHealthChange(appName, cluster);
      },
      connection.namespaces,
      (appName, obj) => {
        const key = appName === undefined ? undefined : this.byTrackingName.get(appName);
        return assessHealthWith(this.healthChecks.lastForKey(key), obj);
      },
    );
    this.lives.set(cluster, { objects, cache });
    return cache;
  }

  /**
   * A cluster was registered, changed, removed, went away or came back: its apps reconcile now (an
   * unreachable one then says so; a returning one converges without waiting for its backoff).
   */
  private onClusterChange(cluster: string): void {
    for (const [key, state] of this.states)
      if (state.app.spec.destination.cluster === cluster) this.trigger(key, 'spec');
  }

  /** Apps per destination cluster (for `mooring cluster list` and tests). */
  appsByCluster(): Map<string, string[]> {
    const byCluster = new Map<string, string[]>();
    for (const [key, state] of this.states) {
      const cluster = state.app.spec.destination.cluster;
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), key]);
    }
    return byCluster;
  }

  /** Removes everything kept about a deleted app: its state, its tracking name, its queue entry. */
  private forget(name: string): void {
    const state = this.states.get(name);
    if (state !== undefined && this.byTrackingName.get(state.trackingName) === name)
      this.byTrackingName.delete(state.trackingName);
    this.states.delete(name);
    this.queue.remove(name);
    const [namespace = '', app = ''] = name.split('/');
    this.options.metrics?.forgetApp({ namespace, app });
  }

  /** A drift seen on `cluster` matters only to an app that deploys there (ids repeat across clusters). */
  private onDrift(signal: DriftSignal, cluster: string): void {
    const key = this.byTrackingName.get(signal.appName);
    const state = key === undefined ? undefined : this.states.get(key);
    if (key === undefined || state?.app.spec.destination.cluster !== cluster) return;
    state.drifted.add(signal.id);
    this.trigger(key, 'drift');
  }

  /** Health is part of status (and of Ready, which dependents wait for): refresh it without a sync. */
  private onHealthChange(trackingName: string, cluster: string): void {
    const key = this.byTrackingName.get(trackingName);
    const state = key === undefined ? undefined : this.states.get(key);
    if (
      key === undefined ||
      state === undefined ||
      state.healthChanged ||
      state.app.spec.destination.cluster !== cluster
    )
      return;
    state.healthChanged = true;
    this.queue.add(key, 0);
  }

  /** One turn of one app: decide (pure), then perform the decision's effects. */
  private async handle(name: string): Promise<void> {
    const state = this.states.get(name);
    if (state === undefined) return;
    const pending = takePending(state);
    const { app, memory } = state;
    const dependencies = (app.spec.dependsOn ?? []).map((dep) => {
      const other = this.states.get(`${app.metadata.namespace}/${dep.name}`)?.app;
      const ready = other?.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        name: dep.name,
        ready: other === undefined ? undefined : { status: ready?.status, message: ready?.message },
      };
    });
    try {
      const decision = decide(state, pending, dependencies, Date.now());
      if (decision.kind !== 'finalize') await this.ensureFinalizer(app);
      switch (decision.kind) {
        case 'finalize':
          await this.finalize(app);
          return;
        case 'suspended':
          return;
        case 'wait-dependency':
          // Waiting, not terminal: the app proceeds by itself once the dependency is Ready (not Stalled).
          await this.reconciler.publish(
            failureReport({
              kind: 'wait',
              app,
              memory,
              trigger: 'dependency',
              planned: [],
              failure: { step: 'wait', retry: 'waiting', message: decision.message },
            }),
          );
          this.queue.add(name, decision.retryInMs);
          return;
        case 'refresh-health':
          await this.reconciler.publish(refreshReport({ kind: 'health', app, memory, trigger: 'poll' }));
          this.restorePoll(state, name);
          return;
        case 'heal': {
          await this.reconciler.heal(app, memory, decision.ids);
          this.restorePoll(state, name);
          return;
        }
        case 'reconcile': {
          if (decision.rollbackTo !== undefined)
            await this.reconciler.rollback(app, memory, decision.rollbackTo);
          if (decision.unpin) await this.reconciler.unpin(app, memory);
          // Publishes one report whatever happens (an unchanged poll too: status rebuilt from the live cache).
          const outcome = await this.reconciler.reconcile(app, memory, decision.trigger, pending.triggeredAt);
          const retryIn =
            outcome.kind === 'retry'
              ? retryDelayMs(app.spec, outcome.failures)
              : outcome.kind === 'waiting'
                ? outcome.delayMs
                : undefined;
          this.schedule(state, name, retryIn ?? jittered(intervalMs(app.spec)));
          return;
        }
      }
    } catch (error) {
      this.options.logger.error({ app: name, err: errorMessage(error) }, 'reconcile failed');
      this.schedule(state, name, backoffMs(2));
    }
  }

  private schedule(state: AppState, name: string, delayMs: number): void {
    state.nextPollAt = Date.now() + delayMs;
    this.queue.add(name, delayMs);
  }

  /** After a heal, keep the poll that was already planned. */
  private restorePoll(state: AppState, name: string): void {
    const at = state.nextPollAt;
    if (at !== undefined) this.queue.add(name, Math.max(0, at - Date.now()));
  }

  private async ensureFinalizer(app: Application): Promise<void> {
    const finalizers = (app.metadata.finalizers ?? []) as string[];
    if (finalizers.includes(FINALIZER)) return;
    await this.options.objects.mergePatch(MOORING_API_VERSION, appRefOf(app), {
      metadata: { finalizers: [...finalizers, FINALIZER], resourceVersion: app.metadata.resourceVersion },
    });
  }

  /** Deleting an Application prunes what it owns (unless orphanOnDelete), then lets it go. */
  private async finalize(app: Application): Promise<void> {
    const finalizers = (app.metadata.finalizers ?? []) as string[];
    if (!finalizers.includes(FINALIZER)) return;
    if (app.spec.orphanOnDelete !== true) {
      let clusterObjects: ObjectsApi | undefined;
      try {
        clusterObjects = this.clusters.connection(app.spec.destination.cluster).objects;
      } catch (error) {
        // Never the local cluster in its place: with its cluster gone the objects are left where they are.
        this.options.logger.warn(
          { app: appKeyOf(app), err: errorMessage(error) },
          'deleted Application targets no registered cluster: its objects are left in place',
        );
      }
      const verdict =
        clusterObjects === undefined
          ? undefined
          : await resolveProject(
              (name) => Promise.resolve(this.projects.get(name)),
              clusterObjects,
              this.options.namespace,
              app,
            );
      if (verdict === undefined) {
        // logged above
      } else if (verdict.kind === 'refused') {
        // Never prune with the controller's own identity: without a Project the objects are left in place.
        this.options.logger.warn(
          { app: appKeyOf(app), err: verdict.failure.message },
          'deleted Application refused by its Project: its objects are left in place',
        );
      } else {
        const inventory = [...(app.status?.inventory ?? [])].reverse();
        const trackingName = trackingNameOf(app, this.options.namespace);
        const pruned = await pruneObjects(verdict.access.objects, trackingName, inventory, false);
        if (pruned.survivors.length > 0) {
          this.options.logger.warn(
            { app: appKeyOf(app), left: pruned.survivors.length },
            'could not prune everything; retrying',
          );
          const state = this.states.get(appKeyOf(app));
          if (state !== undefined) this.schedule(state, appKeyOf(app), backoffMs(2));
          return;
        }
      }
    }
    await this.options.objects.mergePatch(MOORING_API_VERSION, appRefOf(app), {
      metadata: {
        finalizers: finalizers.filter((f) => f !== FINALIZER),
        resourceVersion: app.metadata.resourceVersion,
      },
    });
  }

  private async startWebhook(config: NonNullable<ControllerOptions['webhook']>): Promise<void> {
    const metrics = this.options.metrics;
    this.webhookServer = buildWebhookServer({
      secrets: config.secrets,
      logger: this.options.logger,
      onPush: (event: PushEvent) => Promise.resolve(this.refreshForPush(event)),
      ...(metrics === undefined
        ? {}
        : {
            onDelivery: ({ provider, result }) => {
              metrics.webhookDeliveries.inc({ provider, result });
            },
          }),
    });
    // Until the API server serves the controller's one port, /metrics rides on the webhook receiver's.
    if (metrics !== undefined) await this.webhookServer.register(metricsRoutes(metrics.registry));
    for (const plugin of config.plugins ?? []) await this.webhookServer.register(plugin);
    await this.webhookServer.listen({ port: config.port, host: config.host });
  }

  /**
   * Refreshes the apps a verified push concerns (the webhook receiver's `onPush`); returns their keys as
   * answered to the Git host.
   */
  refreshForPush(event: PushEvent): string[] {
    const candidates = [...this.states].map(([key, { app }]) => ({
      key,
      repoURL: app.spec.source.repoURL,
      ref: refOfSpec(app.spec),
      path: app.spec.source.path,
    }));
    const keys = appsToRefresh(event, candidates);
    for (const key of keys) this.trigger(key, 'webhook');
    // Answered to the Git host: apps in the controller namespace by name, others as namespace/name.
    const own = `${this.options.namespace}/`;
    return keys.map((key) => (key.startsWith(own) ? key.slice(own.length) : key));
  }
}
