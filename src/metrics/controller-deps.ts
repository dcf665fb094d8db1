/** The reconciler's observers and extra sink that feed `Metrics`: what the controller injects. */
import type { ReconcilerDeps } from '../controller/reconciler.js';
import type { Metrics } from './metrics.js';
import { metricsSink } from './report-sink.js';

/** The reconciler dependencies that count into `metrics` (its sink, git fetch and render observers). */
export function metricsDeps(metrics: Metrics): Pick<ReconcilerDeps, 'extraSinks' | 'onFetch' | 'onRender'> {
  return {
    extraSinks: [metricsSink(metrics)],
    onFetch: ({ seconds, ok }) => {
      metrics.gitFetchDuration.observe({ result: ok ? 'success' : 'failure' }, seconds);
    },
    onRender: ({ renderer, seconds, ok }) => {
      metrics.renderDuration.observe({ renderer, result: ok ? 'success' : 'failure' }, seconds);
    },
  };
}
