/**
 * Benchmark: the cost of one /metrics scrape with N applications (default 10,000): app_info rebuilt from the
 * apps' status at scrape time, and per-app counters (syncs by result/trigger, sync seconds, drift) for each.
 * Prints the median and p90 of the scrape (registry to text) and the size of the answer.
 *
 *   npm run build && node dist/bench/metrics-scrape.js
 *   MOORING_BENCH_APPS=1000 node dist/bench/metrics-scrape.js
 */
import { Metrics } from '../src/metrics/metrics.js';
import type { AppInfo } from '../src/metrics/view.js';

const apps = Number.parseInt(process.env.MOORING_BENCH_APPS ?? '10000', 10);
const scrapes = Number.parseInt(process.env.MOORING_BENCH_SCRAPES ?? '20', 10);

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const health = ['Healthy', 'Progressing', 'Degraded'] as const;
const rows: AppInfo[] = Array.from({ length: apps }, (_, i) => ({
  namespace: `team-${i % 50}`,
  app: `app-${i}`,
  project: `project-${i % 20}`,
  cluster: i % 3 === 0 ? 'in-cluster' : `cluster-${i % 3}`,
  syncStatus: i % 10 === 0 ? 'OutOfSync' : 'Synced',
  healthStatus: health[i % 3] ?? 'Healthy',
}));

const metrics = new Metrics();
metrics.attach({
  apps: () => rows,
  queue: () => ({ depth: 0, active: 0, scheduled: apps }),
  kubeRequests: () => [],
});
for (const row of rows) {
  const labels = { namespace: row.namespace, app: row.app };
  metrics.countForApp(metrics.syncs, { ...labels, result: 'Succeeded', trigger: 'poll' }, 3);
  metrics.countForApp(metrics.syncs, { ...labels, result: 'Failed', trigger: 'webhook' });
  metrics.countForApp(metrics.syncSeconds, labels, 4.2);
  metrics.countForApp(metrics.driftDetected, labels, 1);
  metrics.countForApp(metrics.driftCorrected, labels, 1);
}

const times: number[] = [];
let bytes = 0;
for (let i = 0; i < scrapes; i++) {
  const start = process.hrtime.bigint();
  const text = await metrics.exposition();
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  bytes = Buffer.byteLength(text);
}
const forgetStart = process.hrtime.bigint();
for (const row of rows.slice(0, 1000)) metrics.forgetApp({ namespace: row.namespace, app: row.app });
const forgetMs = Number(process.hrtime.bigint() - forgetStart) / 1e6;

console.log(
  `${apps} apps, ${scrapes} scrapes: median ${quantile(times, 0.5).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms, ` +
    `${(bytes / 1024 / 1024).toFixed(1)} MiB per scrape; forgetting 1000 deleted apps: ${forgetMs.toFixed(1)} ms`,
);
