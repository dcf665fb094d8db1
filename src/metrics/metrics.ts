/**
 * The controller's Prometheus metrics: one `Metrics` object, made once with its own Registry (never
 * prom-client's global one) and injected where something is counted. Names follow Prometheus conventions
 * (`mooring_` prefix, base units, `_total` counters); labels are bounded: per app only where one series per
 * app is the point (syncs, drift, app_info), never per commit, object or repository URL.
 *
 * Values that something else already keeps (the apps' status, the work queue, the Kubernetes request
 * counts) are read when Prometheus scrapes, through the `MetricsView` the controller attaches: nothing is
 * counted twice, and a deleted app or a changed status leaves no stale series.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { ImageMetrics } from './image.js';
import { RolloutMetrics } from './rollout.js';
import type { AppInfo, KubeRequestCount, QueueView } from './view.js';
import { appInfoLabels } from './view.js';

/** What the controller exposes to the scrape: read at each scrape, never cached. */
export interface MetricsView {
  /** One row per Application the controller knows (deleted ones are gone). */
  apps(): Iterable<AppInfo>;
  queue(): QueueView;
  /** The request counts of every destination cluster's client (src/kube/stats.ts). */
  kubeRequests(): Iterable<KubeRequestCount>;
}

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop, GC) on the same registry; default true. */
  processMetrics?: boolean;
}

/** Seconds buckets for syncs and renders: 50 ms to 10 min. */
const SYNC_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Seconds buckets for git fetches: 10 ms to 2 min. */
const FETCH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds buckets for the time a due item waits for a worker: 1 ms to 5 min. */
const QUEUE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** Labels of one app's own series (namespace and name of the Application). */
export interface AppLabels {
  namespace: string;
  app: string;
}

type PerAppMetric = Counter;

/** The controller's metrics and their registry. */
export class Metrics {
  readonly registry: Registry;
  private view: MetricsView | undefined;
  /** Per app: the label sets written to per-app series, so a deleted app's series can all be removed. */
  private readonly perApp = new Map<string, Map<PerAppMetric, Map<string, Record<string, string>>>>();

  readonly syncs: Counter<'namespace' | 'app' | 'result' | 'trigger'>;
  readonly syncSeconds: Counter<'namespace' | 'app'>;
  readonly syncDuration: Histogram<'result' | 'trigger'>;
  readonly driftDetected: Counter<'namespace' | 'app'>;
  readonly driftCorrected: Counter<'namespace' | 'app'>;
  readonly reports: Counter<'kind'>;
  readonly gitFetchDuration: Histogram<'result'>;
  readonly renderDuration: Histogram<'renderer' | 'result'>;
  readonly queueWait: Histogram<never>;
  readonly webhookDeliveries: Counter<'provider' | 'result'>;
  /** Registry scans and image update runs (src/metrics/image.ts). */
  readonly image: ImageMetrics;
  /** Progressive rollouts, from the reports of kind 'rollout' (src/metrics/rollout.ts). */
  readonly rollout: RolloutMetrics;
  private readonly leader: Gauge<never>;

  constructor(options: MetricsOptions = {}) {
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    const counter = <T extends string>(name: string, help: string, labelNames: readonly T[]): Counter<T> =>
      new Counter({ name, help, labelNames, registers });
    const histogram = <T extends string>(
      name: string,
      help: string,
      labelNames: readonly T[],
      buckets: number[],
    ): Histogram<T> => new Histogram({ name, help, labelNames, buckets, registers });
    this.syncs = counter(
      'mooring_sync_total',
      'Syncs of an Application (the engine ran: render, plan, apply), by result and trigger.',
      ['namespace', 'app', 'result', 'trigger'],
    );
    this.syncSeconds = counter(
      'mooring_sync_duration_seconds_total',
      'Time spent syncing an Application, fetch to status (with mooring_sync_total: the mean per app).',
      ['namespace', 'app'],
    );
    this.syncDuration = histogram(
      'mooring_sync_duration_seconds',
      'Duration of one sync, fetch to status, by result and trigger.',
      ['result', 'trigger'],
      SYNC_BUCKETS,
    );
    this.driftDetected = counter(
      'mooring_drift_detected_total',
      'Managed objects seen changed in the cluster by someone else (each heal counts each object once).',
      ['namespace', 'app'],
    );
    this.driftCorrected = counter(
      'mooring_drift_corrected_total',
      'Drifted objects put back to their Git state by a heal.',
      ['namespace', 'app'],
    );
    this.reports = counter(
      'mooring_reconcile_reports_total',
      'Reconcile reports handed to the sinks, by kind (sync, heal, ...).',
      ['kind'],
    );
    this.gitFetchDuration = histogram(
      'mooring_git_fetch_duration_seconds',
      'Duration of one git fetch from a remote into its mirror.',
      ['result'],
      FETCH_BUCKETS,
    );
    this.renderDuration = histogram(
      'mooring_render_duration_seconds',
      'Duration of one render (cache hits are not renders), by renderer.',
      ['renderer', 'result'],
      SYNC_BUCKETS,
    );
    this.queueWait = histogram(
      'mooring_workqueue_wait_duration_seconds',
      'How long an app waited in the work queue from the time it was due until a worker took it.',
      [],
      QUEUE_BUCKETS,
    );
    this.webhookDeliveries = counter(
      'mooring_webhook_deliveries_total',
      'Git webhook deliveries received, by provider and result.',
      ['provider', 'result'],
    );
    this.leader = new Gauge({
      name: 'mooring_leader',
      help: '1 while this replica holds the controller Lease (or runs without leader election), else 0.',
      registers,
    });
    this.leader.set(0);
    this.image = new ImageMetrics(registers);
    this.rollout = new RolloutMetrics(registers);
    this.defineViewMetrics(registers);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  }

  /** Attaches what the scrape reads (the controller does, once it exists); the last view attached wins. */
  attach(view: MetricsView): void {
    this.view = view;
  }

  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  /** The text exposition format of every metric, as served at /metrics. */
  async exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** Adds `value` to a per-app counter, remembering the label set so `forgetApp` can remove it. */
  countForApp<T extends string>(
    metric: Counter<T>,
    labels: AppLabels & Record<string, string>,
    value = 1,
  ): void {
    metric.inc(labels as Partial<Record<T, string>>, value);
    const key = appKey(labels);
    let series = this.perApp.get(key);
    if (series === undefined) {
      series = new Map();
      this.perApp.set(key, series);
    }
    const byLabels = series.get(metric) ?? new Map<string, Record<string, string>>();
    series.set(metric, byLabels);
    byLabels.set(JSON.stringify(labels), labels);
  }

  /** Removes every series of a deleted app (its counters would otherwise stay until a restart). */
  forgetApp(app: AppLabels): void {
    const key = appKey(app);
    for (const [metric, byLabels] of this.perApp.get(key) ?? [])
      for (const labels of byLabels.values()) metric.remove(labels);
    this.perApp.delete(key);
    this.rollout.forgetApp(app);
  }

  /** The gauges and counters whose values live elsewhere, read at scrape time from the attached view. */
  private defineViewMetrics(registers: Registry[]): void {
    const view = (): MetricsView | undefined => this.view;
    new Gauge({
      name: 'mooring_app_info',
      help: 'One series per Application, always 1: its project, destination cluster, sync and health status.',
      labelNames: ['namespace', 'app', 'project', 'cluster', 'sync_status', 'health_status'],
      registers,
      collect() {
        // Rebuilt whole at every scrape: a deleted app or a changed status leaves no old series behind.
        this.reset();
        for (const info of view()?.apps() ?? []) this.set(appInfoLabels(info), 1);
      },
    });
    new Gauge({
      name: 'mooring_workqueue_depth',
      help: 'Apps due for a reconcile and waiting for a worker.',
      registers,
      collect() {
        this.set(view()?.queue().depth ?? 0);
      },
    });
    new Gauge({
      name: 'mooring_workqueue_active',
      help: 'Apps being reconciled right now.',
      registers,
      collect() {
        this.set(view()?.queue().active ?? 0);
      },
    });
    new Gauge({
      name: 'mooring_workqueue_scheduled',
      help: 'Apps with a reconcile planned for later (next poll, retry backoff).',
      registers,
      collect() {
        this.set(view()?.queue().scheduled ?? 0);
      },
    });
    new Counter({
      name: 'mooring_kube_requests_total',
      help: 'Requests to the Kubernetes API by destination cluster, verb and HTTP status code ("error": no answer).',
      labelNames: ['cluster', 'verb', 'code'],
      registers,
      collect() {
        // The clients count every request already (src/kube/stats.ts): copied, never counted twice.
        this.reset();
        for (const { cluster, verb, code, count } of view()?.kubeRequests() ?? [])
          this.inc({ cluster, verb, code }, count);
      },
    });
  }
}

function appKey(labels: AppLabels): string {
  return `${labels.namespace}/${labels.app}`;
}
