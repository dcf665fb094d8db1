import type { FastifyInstance } from 'fastify';

import type { KubeObject } from '../core/objects.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { pruneObjects } from '../apply/prune.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Watcher } from '../kube/watch.js';
import { startWatch } from '../kube/watch.js';
import type { RenderTools } from '../render/types.js';
import type { SourceLimits } from '../source/types.js';
import type { Application, Trigger } from './app-types.js';
import { FINALIZER, MOORING_API_VERSION } from './app-types.js';
import { intervalMs, refOfSpec, retryDelayMs } from './app-spec.js';
import type { DriftSignal } from './live-cache.js';
import { LiveCache } from './live-cache.js';
import { appKeyOf, Reconciler } from './reconciler.js';
import { resolveProject, trackingNameOf } from './tenancy.js';
import { DEFAULT_PROJECT, PROJECT_KIND } from '../crd/project.js';
import { appsToRefresh, buildWebhookServer } from './webhook/index.js';
import type { PushEvent, WebhookSecrets } from './webhook/index.js';
import { backoffMs, jittered, WorkQueue } from './work-queue.js';

/** Annotation `mooring sync` sets to ask for a sync now; any new value triggers one. */
export const SYNC_REQUEST_ANNOTATION = 'mooring.dev/sync-requested-at';
/** `mooring rollback` sets `<commit or previous>@<time>`. */
export const ROLLBACK_ANNOTATION = 'mooring.dev/rollback-to';
/** `mooring unpin` sets a time. */
export const UNPIN_ANNOTATION = 'mooring.dev/unpin-requested-at';

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
  webhook?: { port: number; host: string; secrets: WebhookSecrets };
  /** Watch managed objects only in these namespaces (the namespace-scoped install); default cluster-wide. */
  watchNamespaces?: string[];
  /** Accept file:// repoURLs (tests and the demo); refused otherwise. */
  allowFileRepos?: boolean;
  /** Size limits of one source export (defaults: DEFAULT_SOURCE_LIMITS). */
  sourceLimits?: Partial<SourceLimits>;
}

const appRefOf = (app: Application) => ({
  group: 'mooring.dev',
  kind: 'Application',
  namespace: app.metadata.namespace ?? '',
  name: app.metadata.name,
});

/**
 * The pull-mode controller: watches Applications and the objects they manage, and keeps the cluster equal
 * to Git. Triggers: poll interval (with jitter), webhooks, drift (watch events), manual sync requests,
 * spec changes. One sync per app at a time; apps run concurrently up to `concurrency`.
 */
export class Controller {
  /** Applications by key `namespace/name` (appKeyOf); every map below uses the same key. */
  private readonly apps = new Map<string, Application>();
  /** Tracking label value (trackingNameOf) -> app key, for drift and health signals of managed objects. */
  private readonly byTrackingName = new Map<string, string>();
  private readonly triggers = new Map<string, Set<Trigger>>();
  private readonly drifted = new Map<string, Set<string>>();
  /** Apps whose objects' health moved since their status was written. */
  private readonly healthChanged = new Set<string>();
  /** The Ready status of each app as the watch last delivered it. */
  private readonly readySeen = new Map<string, string | undefined>();
  private readonly seenSyncRequest = new Map<string, string>();
  private readonly seenRollback = new Map<string, string>();
  private readonly seenUnpin = new Map<string, string>();
  private readonly rollbackTo = new Map<string, string>();
  private readonly unpinRequested = new Set<string>();
  private readonly nextPoll = new Map<string, number>();
  private readonly queue: WorkQueue;
  private readonly live: LiveCache;
  readonly reconciler: Reconciler;
  private readonly appWatches: Watcher[] = [];
  /** The Projects of the controller namespace, by name, as the watch last delivered them. */
  private readonly projects = new Map<string, KubeObject>();
  private webhookServer: FastifyInstance | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.live = new LiveCache(
      options.objects,
      (signal) => {
        this.onDrift(signal);
      },
      options.logger,
      (appName) => {
        this.onHealthChange(appName);
      },
      options.watchNamespaces,
    );
    this.reconciler = new Reconciler({
      ...options,
      controllerNamespace: options.namespace,
      projects: (name) => Promise.resolve(this.projects.get(name)),
      live: this.live,
    });
    this.queue = new WorkQueue((name) => this.handle(name), options.concurrency);
  }

  async start(): Promise<void> {
    await this.options.objects.discovery.load();
    // Projects first: an Application reconciled before they are listed would be refused for nothing.
    await this.watchProjects();
    const namespaces = this.options.applicationNamespaces ?? [this.options.namespace];
    await Promise.all(
      (namespaces === 'all' ? [undefined] : [...new Set(namespaces)]).map(
        (namespace) =>
          new Promise<void>((resolve) => {
            const watch = startWatch(this.options.objects.client, this.options.objects.discovery, {
              apiVersion: MOORING_API_VERSION,
              kind: 'Application',
              ...(namespace === undefined ? {} : { namespace }),
              onEvent: (event) => {
                this.onApplication(event.type, event.object as Application);
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
    if (this.options.webhook !== undefined) await this.startWebhook(this.options.webhook);
    this.options.logger.info(
      {
        namespace: this.options.namespace,
        applicationNamespaces: namespaces === 'all' ? '*' : namespaces.join(','),
        apps: this.apps.size,
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
      const watch = startWatch(this.options.objects.client, this.options.objects.discovery, {
        apiVersion: MOORING_API_VERSION,
        kind: PROJECT_KIND,
        namespace: this.options.namespace,
        onEvent: (event) => {
          const project = event.object.metadata.name;
          if (event.type === 'DELETED') this.projects.delete(project);
          else this.projects.set(project, event.object);
          if (!synced) return;
          for (const [key, app] of this.apps)
            if ((app.spec.project ?? DEFAULT_PROJECT) === project) this.trigger(key, 'spec');
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
    for (const watch of this.appWatches) watch.stop();
    this.live.stop();
    await this.webhookServer?.close();
  }

  /** Ask for a reconcile of the app with key `name` (`namespace/name`) now. */
  trigger(name: string, trigger: Trigger): void {
    let set = this.triggers.get(name);
    if (set === undefined) {
      set = new Set();
      this.triggers.set(name, set);
    }
    set.add(trigger);
    this.queue.add(name, 0);
  }

  get webhookAddress(): string | undefined {
    const address = this.webhookServer?.server.address();
    return address !== null && typeof address === 'object'
      ? `http://${address.address}:${address.port}`
      : undefined;
  }

  private onApplication(type: 'ADDED' | 'MODIFIED' | 'DELETED', app: Application): void {
    const name = appKeyOf(app);
    const trackingName = trackingNameOf(app, this.options.namespace);
    if (type === 'DELETED') {
      this.byTrackingName.delete(trackingName);
      this.apps.delete(name);
      this.readySeen.delete(name);
      this.queue.remove(name);
      this.reconciler.memory.delete(name);
      return;
    }
    const before = this.apps.get(name);
    this.apps.set(name, app);
    this.byTrackingName.set(trackingName, name);
    const request = app.metadata.annotations?.[SYNC_REQUEST_ANNOTATION];
    if (request !== undefined && this.seenSyncRequest.get(name) !== request) {
      this.seenSyncRequest.set(name, request);
      if (before !== undefined) this.trigger(name, 'manual');
    }
    const rollback = app.metadata.annotations?.[ROLLBACK_ANNOTATION];
    if (rollback !== undefined && this.seenRollback.get(name) !== rollback) {
      this.seenRollback.set(name, rollback);
      if (before !== undefined) {
        this.rollbackTo.set(
          name,
          rollback.slice(0, rollback.lastIndexOf('@') < 0 ? undefined : rollback.lastIndexOf('@')),
        );
        this.trigger(name, 'rollback');
      }
    }
    const unpin = app.metadata.annotations?.[UNPIN_ANNOTATION];
    if (unpin !== undefined && this.seenUnpin.get(name) !== unpin) {
      this.seenUnpin.set(name, unpin);
      if (before !== undefined) {
        this.unpinRequested.add(name);
        // Not 'manual': after an unpin the rolled-back revision must still not be applied automatically.
        this.trigger(name, 'rollback');
      }
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
    const readyBefore = this.readySeen.get(name);
    this.readySeen.set(name, ready);
    if (readyBefore !== ready) {
      for (const [key, dependent] of this.apps) {
        if (
          dependent.metadata.namespace === app.metadata.namespace &&
          dependent.spec.dependsOn?.some((d) => d.name === app.metadata.name) === true
        )
          this.trigger(key, 'dependency');
      }
    }
  }

  private onDrift(signal: DriftSignal): void {
    const key = this.byTrackingName.get(signal.appName);
    if (key === undefined || !this.apps.has(key)) return;
    let ids = this.drifted.get(key);
    if (ids === undefined) {
      ids = new Set();
      this.drifted.set(key, ids);
    }
    ids.add(signal.id);
    this.trigger(key, 'drift');
  }

  /** Health is part of status (and of Ready, which dependents wait for): refresh it without a sync. */
  private onHealthChange(trackingName: string): void {
    const key = this.byTrackingName.get(trackingName);
    if (key === undefined || !this.apps.has(key) || this.healthChanged.has(key)) return;
    this.healthChanged.add(key);
    this.queue.add(key, 0);
  }

  private async handle(name: string): Promise<void> {
    const app = this.apps.get(name);
    const healthOnly =
      !this.triggers.has(name) && this.healthChanged.has(name) && (this.nextPoll.get(name) ?? 0) > Date.now();
    this.healthChanged.delete(name);
    const triggers = this.triggers.get(name) ?? new Set<Trigger>(['poll']);
    this.triggers.delete(name);
    const drifted = this.drifted.get(name) ?? new Set<string>();
    this.drifted.delete(name);
    if (app === undefined) return;
    try {
      if (app.metadata.deletionTimestamp !== undefined) {
        await this.finalize(app);
        return;
      }
      await this.ensureFinalizer(app);
      if (app.spec.suspend === true) return;
      const waitingFor = this.unreadyDependency(app);
      if (waitingFor !== undefined) {
        // 'wait', not a terminal step: the app proceeds by itself once the dependency is Ready (not Stalled).
        await this.reconciler.writeStatus(app, this.reconciler.memoryOf(app), {
          planned: [],
          failure: { step: 'wait', message: `waiting for dependency ${waitingFor}` },
        });
        this.queue.add(name, 5_000);
        return;
      }
      const memory = this.reconciler.memory.get(name);
      if (
        healthOnly &&
        memory !== undefined &&
        memory.planned.size > 0 &&
        memory.failures === 0 &&
        memory.stalledCommit === undefined
      ) {
        await this.reconciler.writeStatus(app, memory, { planned: [...memory.planned.values()] });
        this.restorePoll(name);
        return;
      }
      const onlyDrift = triggers.size === 1 && triggers.has('drift');
      if (
        onlyDrift &&
        memory !== undefined &&
        memory.planned.size > 0 &&
        memory.generation === app.metadata.generation
      ) {
        const startedAt = new Date().toISOString();
        const outcomes = await this.reconciler.heal(app, drifted);
        if (outcomes.length > 0) await this.reconciler.recordHeal(app, outcomes, startedAt);
        this.restorePoll(name);
        return;
      }
      const rollbackTarget = this.rollbackTo.get(name);
      this.rollbackTo.delete(name);
      if (rollbackTarget !== undefined) await this.reconciler.rollback(app, rollbackTarget);
      if (this.unpinRequested.delete(name)) await this.reconciler.unpin(app);
      const trigger = pickTrigger(triggers);
      const outcome = await this.reconciler.reconcile(app, trigger);
      const retryIn =
        outcome.kind === 'retry'
          ? retryDelayMs(app.spec, outcome.failures)
          : outcome.kind === 'waiting'
            ? outcome.delayMs
            : undefined;
      this.schedule(name, retryIn ?? jittered(intervalMs(app.spec)));
    } catch (error) {
      this.options.logger.error({ app: name, err: errorMessage(error) }, 'reconcile failed');
      this.schedule(name, backoffMs(2));
    }
  }

  private schedule(name: string, delayMs: number): void {
    this.nextPoll.set(name, Date.now() + delayMs);
    this.queue.add(name, delayMs);
  }

  /** After a heal, keep the poll that was already planned. */
  private restorePoll(name: string): void {
    const at = this.nextPoll.get(name);
    if (at !== undefined) this.queue.add(name, Math.max(0, at - Date.now()));
  }

  private unreadyDependency(app: Application): string | undefined {
    for (const dep of app.spec.dependsOn ?? []) {
      const other = this.apps.get(`${app.metadata.namespace ?? ''}/${dep.name}`);
      const ready = other?.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True')
        return `${dep.name} (${other === undefined ? 'not found' : (ready?.message ?? 'not Ready yet')})`;
    }
    return undefined;
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
      const verdict = await resolveProject(
        (name) => Promise.resolve(this.projects.get(name)),
        this.options.objects,
        this.options.namespace,
        app,
      );
      if (verdict.kind === 'refused') {
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
          this.schedule(appKeyOf(app), backoffMs(2));
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
    this.webhookServer = buildWebhookServer({
      secrets: config.secrets,
      logger: this.options.logger,
      onPush: (event: PushEvent) => Promise.resolve(this.onPush(event)),
    });
    await this.webhookServer.listen({ port: config.port, host: config.host });
  }

  private onPush(event: PushEvent): string[] {
    const candidates = [...this.apps].map(([key, app]) => ({
      key,
      repoURL: app.spec.source.repoURL,
      ref: refOfSpec(app.spec),
      path: app.spec.source.path ?? '',
    }));
    const keys = appsToRefresh(event, candidates);
    for (const key of keys) this.trigger(key, 'webhook');
    // Answered to the Git host: apps in the controller namespace by name, others as namespace/name.
    const own = `${this.options.namespace}/`;
    return keys.map((key) => (key.startsWith(own) ? key.slice(own.length) : key));
  }
}

function pickTrigger(triggers: Set<Trigger>): Trigger {
  for (const t of ['manual', 'rollback', 'webhook', 'spec', 'dependency', 'drift', 'poll'] as const)
    if (triggers.has(t)) return t;
  return 'poll';
}
