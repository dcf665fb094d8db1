/**
 * The metrics sink: counts what each reconcile report says (syncs, their duration, drift detected and
 * corrected, progressive rollouts). A report of a kind it does not know is only counted by kind: new kinds never break it.
 */
import type { ReconcileReport, ReportSink } from '../controller/report.js';
import { resultOf } from '../controller/records.js';
import type { Metrics } from './metrics.js';

/** Counts each report into `metrics`; never throws (a metric must not fail a reconcile). */
export function metricsSink(metrics: Metrics): ReportSink {
  return (report) => {
    countReport(metrics, report);
    return Promise.resolve();
  };
}

/** What one report adds to the metrics. Exported for unit tests. */
export function countReport(metrics: Metrics, report: ReconcileReport): void {
  const kind: string = report.kind;
  metrics.reports.inc({ kind });
  const labels = {
    namespace: report.app.metadata.namespace,
    app: report.app.metadata.name,
  };
  switch (kind) {
    case 'sync':
      countSync(metrics, report, labels);
      return;
    case 'heal':
      countHeal(metrics, report, labels);
      return;
    case 'rollout':
      if (report.rollout !== undefined) metrics.rollout.record(labels, report.rollout);
      return;
    default:
      return;
  }
}

function countSync(
  metrics: Metrics,
  report: ReconcileReport,
  labels: { namespace: string; app: string },
): void {
  const result = report.result;
  // A dry run (an app without automated sync) compares, it does not sync.
  if (result === undefined || result.dryRun) return;
  const outcome = resultOf(result);
  metrics.countForApp(metrics.syncs, { ...labels, result: outcome, trigger: report.trigger });
  const seconds = durationSeconds(report.status.lastSync?.startedAt, report.status.lastSync?.finishedAt);
  if (seconds === undefined) return;
  metrics.syncDuration.observe({ result: outcome, trigger: report.trigger }, seconds);
  metrics.countForApp(metrics.syncSeconds, labels, seconds);
}

function countHeal(
  metrics: Metrics,
  report: ReconcileReport,
  labels: { namespace: string; app: string },
): void {
  if (report.outcomes.length === 0) return;
  metrics.countForApp(metrics.driftDetected, labels, report.outcomes.length);
  // 'unchanged': reported, not corrected (warn mode); 'failed': the correction did not go through.
  const corrected = report.outcomes.filter((o) => o.action !== 'unchanged' && o.action !== 'failed').length;
  metrics.countForApp(metrics.driftCorrected, labels, corrected);
}

/** Seconds between two ISO times; undefined when either is missing or unreadable. Pure. */
export function durationSeconds(
  startedAt: string | undefined,
  finishedAt: string | undefined,
): number | undefined {
  if (startedAt === undefined || finishedAt === undefined) return undefined;
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}
