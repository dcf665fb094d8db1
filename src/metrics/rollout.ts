/**
 * Progressive delivery metrics, read from the reports of kind 'rollout' (never counted in the delivery code):
 * rollout events by app (started, resumed, step, promoting, promoted, aborted, cancelled), the current step
 * and canary weight, each analysis check's result and last value by metric, and the time an abort took to
 * put traffic back on stable. Labels are bounded: per app, and per metric of an app's spec.delivery (at most
 * 20); a deleted app's series go with it (`forgetApp`).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

import type { RolloutReport } from '../controller/report.js';

/** Seconds buckets from a failed analysis to traffic back on stable: 5 ms to 1 min. */
const BACK_ON_STABLE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Events that end a rollout: the step and weight gauges go back to 0. */
const ENDS: ReadonlySet<string> = new Set(['promoted', 'aborted', 'cancelled']);

export interface RolloutLabels {
  namespace: string;
  app: string;
}

type AppSeries = Counter | Gauge;

export class RolloutMetrics {
  readonly events: Counter<'namespace' | 'app' | 'event'>;
  readonly step: Gauge<'namespace' | 'app'>;
  readonly weight: Gauge<'namespace' | 'app'>;
  readonly checks: Counter<'namespace' | 'app' | 'metric' | 'result'>;
  readonly values: Gauge<'namespace' | 'app' | 'metric'>;
  readonly backOnStable: Histogram<never>;
  /** Per app (`namespace/name`): every label set written, so a deleted app leaves no series behind. */
  private readonly written = new Map<string, Map<AppSeries, Map<string, Record<string, string>>>>();

  constructor(registers: Registry[]) {
    this.events = new Counter({
      name: 'mooring_rollout_events_total',
      help: 'Progressive rollout events of an Application (spec.delivery): started, resumed, step, promoting, promoted, aborted, cancelled.',
      labelNames: ['namespace', 'app', 'event'],
      registers,
    });
    this.step = new Gauge({
      name: 'mooring_rollout_step',
      help: 'The step (from 1) of the rollout in progress; 0 when none runs.',
      labelNames: ['namespace', 'app'],
      registers,
    });
    this.weight = new Gauge({
      name: 'mooring_rollout_canary_weight',
      help: 'Percent of the replicas (so of the traffic) on the new version of the rollout in progress; 0 when none runs.',
      labelNames: ['namespace', 'app'],
      registers,
    });
    this.checks = new Counter({
      name: 'mooring_rollout_analysis_checks_total',
      help: 'Analysis checks of a rollout by metric and result (Passed, Failed, NoData, LowTraffic).',
      labelNames: ['namespace', 'app', 'metric', 'result'],
      registers,
    });
    this.values = new Gauge({
      name: 'mooring_rollout_analysis_value',
      help: "The last value a rollout's analysis read for a metric.",
      labelNames: ['namespace', 'app', 'metric'],
      registers,
    });
    this.backOnStable = new Histogram({
      name: 'mooring_rollout_abort_back_on_stable_seconds',
      help: 'Time from an abort decision to traffic back on the stable version (stable at full size, canary deleted).',
      buckets: BACK_ON_STABLE_BUCKETS,
      registers,
    });
  }

  /** What one rollout report adds. */
  record(app: RolloutLabels, rollout: RolloutReport): void {
    if (rollout.event !== 'progress') this.add(app, this.events, { ...app, event: rollout.event });
    const ended = ENDS.has(rollout.event);
    this.set(app, this.step, { ...app }, ended ? 0 : (rollout.delivery.step ?? 0) + 1);
    this.set(app, this.weight, { ...app }, ended ? 0 : (rollout.delivery.canaryWeight ?? 0));
    for (const m of rollout.check ?? []) {
      this.add(app, this.checks, { ...app, metric: m.name, result: m.result });
      if (m.value !== undefined) this.set(app, this.values, { ...app, metric: m.name }, m.value);
    }
    if (rollout.abort !== undefined) this.backOnStable.observe(rollout.abort.backOnStableMs / 1000);
  }

  /** Removes every series of a deleted app. */
  forgetApp(app: RolloutLabels): void {
    const key = `${app.namespace}/${app.app}`;
    for (const [metric, byLabels] of this.written.get(key) ?? [])
      for (const labels of byLabels.values()) metric.remove(labels);
    this.written.delete(key);
  }

  private add(app: RolloutLabels, metric: Counter, labels: Record<string, string>): void {
    metric.inc(labels);
    this.remember(app, metric, labels);
  }

  private set(app: RolloutLabels, metric: Gauge, labels: Record<string, string>, value: number): void {
    metric.set(labels, value);
    this.remember(app, metric, labels);
  }

  private remember(app: RolloutLabels, metric: AppSeries, labels: Record<string, string>): void {
    const key = `${app.namespace}/${app.app}`;
    let series = this.written.get(key);
    if (series === undefined) {
      series = new Map();
      this.written.set(key, series);
    }
    const byLabels = series.get(metric) ?? new Map<string, Record<string, string>>();
    series.set(metric, byLabels);
    byLabels.set(JSON.stringify(labels), labels);
  }
}
