/**
 * Notifications at the edges: watches NotificationPolicies, takes each reconcile report as a ReportSink
 * (which only queues: a sink never blocks or slows a sync), decides per policy and app (decide.ts), keeps
 * what was sent in the policy's status (so a restarted controller sends nothing again), groups bursts,
 * applies the rate limit, and delivers to each sink with retries and backoff, reporting failures in status.
 */
import { errorMessage, MooringError, retryClassOf } from '../core/errors.js';
import { Egress } from '../net/egress.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Watcher } from '../kube/watch.js';
import type { ReportSink } from '../controller/report.js';
import { MOORING_API_VERSION } from '../crd/common.js';
import type { AppNotifyState, NotificationPolicy, NotificationSink } from '../crd/notification-policy.js';
import { NOTIFICATION_POLICY_KIND, parseNotificationPolicy } from '../crd/notification-policy.js';
import { decideNotifications } from './decide.js';
import type { ImageObservation } from './image.js';
import { decideImage, imageObservations } from './image.js';
import type { ImageUpdateReport } from '../image/update/report.js';
import type { PendingGroup, RateState } from './group.js';
import { addToGroups, admit, takeDue } from './group.js';
import type { NotificationMessage } from './message.js';
import { buildMessage } from './message.js';
import type { AppObservation } from './observe.js';
import { observe } from './observe.js';
import { boundedStates, selects, selectorWarning, timingsOf } from './policy.js';
import type { HttpOptions, Sink, SinkResult } from './sinks/index.js';
import { sinksByType } from './sinks/index.js';
import { watchScopes } from '../kube/watch-scopes.js';

export interface NotifierOptions {
  objects: ObjectsApi;
  /** Policies here may select Applications of other namespaces. */
  controllerNamespace: string;
  /** Namespaces whose NotificationPolicies are watched ('all': cluster-wide). */
  namespaces: string[] | 'all';
  logger: Logger;
  /** Base URL of a dashboard: messages link `<url>/applications/<namespace>/<name>`. */
  dashboardUrl?: string;
  /** Accept http:// sink URLs (tests, receivers inside the cluster). */
  allowHttp?: boolean;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Which addresses sinks may connect to (default: public addresses only). */
  egress?: Egress;
  /** Reports waiting to be decided (default 10,000; the oldest are dropped past it). */
  queueLimit?: number;
  /** Deliveries tried per message and sink (default 5), with backoff from `retryBaseMs` (default 1 s). */
  attempts?: number;
  retryBaseMs?: number;
  /** How often grouped events are checked for a closed window (default 500 ms). */
  tickMs?: number;
  now?: () => Date;
  /** Sink implementations by type (tests); default sinksByType(objects). */
  sinks?: Partial<Record<NotificationSink['type'], Sink>>;
}

interface SinkCounters {
  delivered: number;
  failed: number;
  lastDelivery?: string;
  lastError?: string;
  lastErrorTime?: string;
}

interface PolicyRuntime {
  policy: NotificationPolicy;
  states: Map<string, AppNotifyState>;
  /** The last observation of each app (not persisted): what out-of-sync is decided from as time passes. */
  lastSeen: Map<string, AppObservation>;
  groups: PendingGroup[];
  rate: RateState | undefined;
  sinks: Map<string, SinkCounters>;
  /** Deliveries of each sink run one after the other (a Slack update after its post). */
  chains: Map<string, Promise<void>>;
  pendingDeliveries: Map<string, number>;
  dirty: boolean;
}

type Queued = { app: AppObservation } | { image: ImageObservation };

/** Deliveries waiting per sink before new ones are refused (counted as failures). */
const MAX_PENDING_DELIVERIES = 100;

/** The notification engine of one controller. */
export class Notifier {
  private readonly policies = new Map<string, PolicyRuntime>();
  /** Reconcile reports and image automation runs, decided in the order they came. */
  private readonly queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private readonly watches: Watcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly sinkImpls: Record<NotificationSink['type'], Sink>;
  private readonly http: HttpOptions;
  private stopped = false;

  constructor(private readonly options: NotifierOptions) {
    this.sinkImpls = { ...sinksByType(options.objects), ...options.sinks };
    this.http = {
      allowHttp: options.allowHttp ?? false,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: (options.egress ?? Egress.publicOnly()).fetch,
    };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Lists and watches the policies (their status is the state: loaded before any report is decided). */
  async start(): Promise<void> {
    try {
      await this.options.objects.resourceOf(MOORING_API_VERSION, NOTIFICATION_POLICY_KIND);
    } catch (error) {
      this.options.logger.warn(
        { err: errorMessage(error) },
        'notifications off: the NotificationPolicy CRD is not installed (mooring install adds it)',
      );
      return;
    }
    const namespaces = watchScopes(this.options.namespaces);
    await Promise.all(
      namespaces.map(
        (namespace) =>
          new Promise<void>((resolve) => {
            this.watches.push(
              this.options.objects.watch({
                apiVersion: MOORING_API_VERSION,
                kind: NOTIFICATION_POLICY_KIND,
                ...(namespace === undefined ? {} : { namespace }),
                onEvent: (event) => {
                  this.onPolicyEvent(event.type, event.object);
                },
                onSynced: resolve,
                onError: (error) => {
                  this.options.logger.warn(
                    { err: error.message },
                    'NotificationPolicy watch interrupted; resuming',
                  );
                },
              }),
            );
          }),
      ),
    );
    this.timer = setInterval(() => {
      void this.tick();
    }, this.options.tickMs ?? 500);
    this.timer.unref();
  }

  /** Stops watching and ticking; deliveries in flight finish, state is written. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const watch of this.watches) watch.stop();
    await this.draining;
    for (const runtime of this.policies.values()) await Promise.all(runtime.chains.values());
    await this.persist();
  }

  /** The ReportSink the reconciler calls: reduces the report and queues it; never waits for delivery. */
  sink(): ReportSink {
    return (report) => {
      if (this.stopped) return Promise.resolve();
      try {
        this.enqueue([{ app: observe(report) }]);
      } catch (error) {
        this.options.logger.warn({ err: errorMessage(error) }, 'notifications: could not read a report');
      }
      return Promise.resolve();
    };
  }

  /**
   * Takes the report of one image automation run (the loop's onReport): `image-updated` / `image-held` for
   * the apps it names. Only queues, like sink().
   */
  imageSink(): (report: ImageUpdateReport) => void {
    return (report) => {
      if (this.stopped) return;
      this.enqueue(imageObservations(report).map((image) => ({ image })));
    };
  }

  private enqueue(items: Queued[]): void {
    this.queue.push(...items);
    const limit = this.options.queueLimit ?? 10_000;
    if (this.queue.length > limit) {
      this.queue.splice(0, this.queue.length - limit);
      this.options.logger.warn({ limit }, 'notifications: queue full; dropped the oldest reports');
    }
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private onPolicyEvent(type: string, object: KubeObject): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (type === 'DELETED') {
      this.policies.delete(key);
      return;
    }
    let policy: NotificationPolicy;
    try {
      policy = parseNotificationPolicy(object);
    } catch (error) {
      this.options.logger.warn(
        { policy: key, err: errorMessage(error) },
        'invalid NotificationPolicy ignored',
      );
      this.policies.delete(key);
      return;
    }
    const known = this.policies.get(key);
    if (known !== undefined) {
      // Our own status writes come back here: only the spec is taken, the state in memory is newer.
      known.policy = { ...policy, status: known.policy.status ?? {} };
      return;
    }
    const status = policy.status ?? {};
    this.policies.set(key, {
      policy,
      states: new Map((status.apps ?? []).map((s) => [s.app, s])),
      lastSeen: new Map(),
      groups: [],
      rate: status.rate,
      sinks: new Map(
        (status.sinks ?? []).map((s) => [
          s.name,
          {
            delivered: s.delivered ?? 0,
            failed: s.failed ?? 0,
            ...(s.lastDelivery === undefined ? {} : { lastDelivery: s.lastDelivery }),
            ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
            ...(s.lastErrorTime === undefined ? {} : { lastErrorTime: s.lastErrorTime }),
          },
        ]),
      ),
      chains: new Map(),
      pendingDeliveries: new Map(),
      dirty: selectorWarning(policy, this.options.controllerNamespace) !== status.message,
    });
  }

  /** Decides every queued observation against every policy that selects its app; writes changed state. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.queue.length);
      for (const item of batch) {
        if ('app' in item) this.decide(item.app);
        else this.decideImage(item.image);
      }
      await this.persist();
    }
  }

  private decide(observation: AppObservation): void {
    const now = this.now();
    for (const runtime of this.policies.values())
      if (selects(runtime.policy, observation, this.options.controllerNamespace))
        this.decideFor(runtime, observation, now);
    if (this.policies.size > 0) void this.tick();
  }

  private decideImage(observation: ImageObservation): void {
    const now = this.now();
    const key = `${observation.app.namespace}/${observation.app.name}`;
    for (const runtime of this.policies.values()) {
      if (!selects(runtime.policy, observation.app, this.options.controllerNamespace)) continue;
      const before = runtime.states.get(key);
      const decision = decideImage(before, observation, now, runtime.policy.spec.events);
      if (decision.state !== undefined && decision.state !== before) {
        runtime.dirty ||=
          JSON.stringify({ ...before, updatedAt: '' }) !==
          JSON.stringify({ ...decision.state, updatedAt: '' });
        runtime.states.set(key, decision.state);
      }
      for (const event of decision.events) runtime.groups = addToGroups(runtime.groups, event, now.getTime());
    }
    if (this.policies.size > 0) void this.tick();
  }

  private decideFor(runtime: PolicyRuntime, observation: AppObservation, now: Date): void {
    runtime.lastSeen.set(observation.app, observation);
    const decision = decideNotifications(runtime.states.get(observation.app), observation, now, {
      events: runtime.policy.spec.events,
      outOfSyncAfterMs: timingsOf(runtime.policy).outOfSyncAfterMs,
    });
    const before = JSON.stringify({ ...runtime.states.get(observation.app), updatedAt: '' });
    if (before !== JSON.stringify({ ...decision.state, updatedAt: '' }) || decision.events.length > 0) {
      runtime.states.set(observation.app, decision.state);
      runtime.dirty = true;
    }
    for (const event of decision.events) runtime.groups = addToGroups(runtime.groups, event, now.getTime());
  }

  /**
   * out-of-sync needs no new report: an app still OutOfSync past the policy's time is decided again from
   * its last observation (nothing else changed, so nothing else is sent).
   */
  private checkOutOfSync(runtime: PolicyRuntime, now: Date): void {
    if (!runtime.policy.spec.events.includes('out-of-sync')) return;
    const { outOfSyncAfterMs } = timingsOf(runtime.policy);
    for (const [app, state] of runtime.states) {
      if (state.outOfSyncSince === undefined || state.outOfSyncSent === true) continue;
      if (now.getTime() - Date.parse(state.outOfSyncSince) < outOfSyncAfterMs) continue;
      const seen = runtime.lastSeen.get(app);
      if (seen?.outOfSync === true) this.decideFor(runtime, seen, now);
    }
  }

  /** Sends the groups whose window has closed (rate limit permitting). */
  private tick(): Promise<void> {
    const now = this.now();
    for (const [key, runtime] of this.policies) {
      this.checkOutOfSync(runtime, now);
      const { groupWindowMs, rate } = timingsOf(runtime.policy);
      const { due, rest } = takeDue(runtime.groups, now.getTime(), groupWindowMs);
      runtime.groups = rest;
      for (const group of due) {
        const verdict = admit(runtime.rate, now, rate, group.items.length);
        runtime.rate = verdict.rate;
        runtime.dirty = true;
        if (!verdict.send) continue;
        const message = buildMessage({
          policy: key,
          events: group.items,
          suppressed: verdict.carried,
          ...(this.options.dashboardUrl === undefined ? {} : { dashboardUrl: this.options.dashboardUrl }),
        });
        for (const sink of runtime.policy.spec.sinks) this.enqueueDelivery(runtime, sink, message);
      }
    }
    if ([...this.policies.values()].some((r) => r.dirty)) void this.persist();
    return Promise.resolve();
  }

  private enqueueDelivery(
    runtime: PolicyRuntime,
    sink: NotificationSink,
    message: NotificationMessage,
  ): void {
    const pending = runtime.pendingDeliveries.get(sink.name) ?? 0;
    if (pending >= MAX_PENDING_DELIVERIES) {
      this.recordFailure(
        runtime,
        sink.name,
        `dropped a message: ${String(pending)} deliveries already waiting`,
      );
      return;
    }
    runtime.pendingDeliveries.set(sink.name, pending + 1);
    const previous = runtime.chains.get(sink.name) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliver(runtime, sink, message))
      .finally(() => {
        runtime.pendingDeliveries.set(sink.name, (runtime.pendingDeliveries.get(sink.name) ?? 1) - 1);
        void this.persist();
      });
    runtime.chains.set(sink.name, next);
  }

  /** One message to one sink, retried with backoff on transient failures; the outcome goes to status. */
  private async deliver(
    runtime: PolicyRuntime,
    sink: NotificationSink,
    message: NotificationMessage,
  ): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    const base = this.options.retryBaseMs ?? 1000;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const secret = await this.secretOf(runtime.policy, sink);
        const result = await this.sinkImpls[sink.type](message, {
          config: sink,
          secret,
          http: this.http,
          previous: (app, revision) => {
            const found = runtime.states
              .get(app)
              ?.messages?.find((m) => m.sink === sink.name && m.revision === revision);
            return found === undefined ? undefined : { ts: found.ts, channel: found.channel };
          },
        });
        this.recordDelivery(runtime, sink.name, result);
        return;
      } catch (error) {
        const transient = retryClassOf(error) === 'transient';
        if (!transient || attempt >= attempts || this.stopped) {
          this.recordFailure(runtime, sink.name, errorMessage(error));
          this.options.logger.warn(
            { policy: message.policy, sink: sink.name, err: errorMessage(error) },
            'notification not delivered',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, base * 2 ** (attempt - 1)));
      }
    }
  }

  private async secretOf(
    policy: NotificationPolicy,
    sink: NotificationSink,
  ): Promise<Record<string, string>> {
    if (sink.secretRef === undefined) return {};
    const secret = await this.options.objects.get('v1', {
      group: '',
      kind: 'Secret',
      namespace: policy.metadata.namespace,
      name: sink.secretRef.name,
    });
    if (secret === undefined)
      throw new MooringError('NOT_FOUND', `sink ${sink.name}: Secret ${sink.secretRef.name} not found`, {
        subject: `sink/${sink.name}`,
        retry: 'terminal',
        hint: `create it in namespace ${policy.metadata.namespace}`,
      });
    const data = (secret.data ?? {}) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(data))
      if (typeof value === 'string') out[key] = Buffer.from(value, 'base64').toString('utf8');
    return out;
  }

  private recordDelivery(runtime: PolicyRuntime, sink: string, result: SinkResult): void {
    const counters = runtime.sinks.get(sink) ?? { delivered: 0, failed: 0 };
    counters.delivered += 1;
    counters.lastDelivery = this.now().toISOString();
    runtime.sinks.set(sink, counters);
    for (const posted of result.posted ?? []) {
      const state = runtime.states.get(posted.app);
      if (state === undefined) continue;
      state.messages = [
        ...(state.messages ?? []).filter((m) => m.sink !== sink),
        { sink, revision: posted.revision, ts: posted.message.ts, channel: posted.message.channel },
      ];
    }
    runtime.dirty = true;
  }

  private recordFailure(runtime: PolicyRuntime, sink: string, message: string): void {
    const counters = runtime.sinks.get(sink) ?? { delivered: 0, failed: 0 };
    counters.failed += 1;
    counters.lastError = message.slice(0, 1024);
    counters.lastErrorTime = this.now().toISOString();
    runtime.sinks.set(sink, counters);
    runtime.dirty = true;
  }

  private persisting: Promise<void> = Promise.resolve();

  /** Writes the status of every policy whose state changed (one write at a time). */
  private persist(): Promise<void> {
    this.persisting = this.persisting.then(() => this.writeDirty());
    return this.persisting;
  }

  private async writeDirty(): Promise<void> {
    for (const runtime of this.policies.values()) {
      if (!runtime.dirty) continue;
      runtime.dirty = false;
      const policy = runtime.policy;
      const warning = selectorWarning(policy, this.options.controllerNamespace);
      const status = {
        observedGeneration: policy.metadata.generation as number | undefined,
        apps: boundedStates(runtime.states.values()),
        sinks: [...runtime.sinks].map(([name, c]) => ({ name, ...c })),
        ...(runtime.rate === undefined ? {} : { rate: runtime.rate }),
        message: warning ?? null,
      };
      try {
        await this.options.objects.mergePatch(
          MOORING_API_VERSION,
          {
            group: 'mooring.dev',
            kind: NOTIFICATION_POLICY_KIND,
            namespace: policy.metadata.namespace,
            name: policy.metadata.name,
          },
          { status },
          { subresource: 'status' },
        );
      } catch (error) {
        runtime.dirty = true;
        this.options.logger.warn(
          { policy: `${policy.metadata.namespace}/${policy.metadata.name}`, err: errorMessage(error) },
          'could not write the NotificationPolicy status',
        );
      }
    }
  }
}
