import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ObjectOutcome } from '../../../src/apply/types.js';
import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import type { AppMemory } from '../../../src/controller/reconciler.js';
import type { ReconcileReport } from '../../../src/controller/report.js';
import { healReport, syncReport } from '../../../src/controller/report.js';
import type { SyncResult } from '../../../src/engine/types.js';
import { RequestStats } from '../../../src/kube/stats.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { countReport, durationSeconds } from '../../../src/metrics/report-sink.js';
import type { MetricsView } from '../../../src/metrics/metrics.js';
import { appInfoOf, kubeRequestCounts } from '../../../src/metrics/view.js';
import type { ResolvedSource } from '../../../src/source/types.js';

function application(name: string, status?: unknown, namespace = 'apps'): Application {
  const app = parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: {
      project: 'team-a',
      source: { repoURL: 'https://git.example/r.git', ref: { branch: 'main' } },
      destination: { namespace: name, cluster: 'prod-eu' },
    },
  });
  if (status !== undefined) app.status = status as NonNullable<Application['status']>;
  return app;
}

const memory = (): AppMemory => ({ planned: new Map(), outOfSync: new Map(), failures: 0, commit: 'c0ffee' });
const sha = '0123456789abcdef0123456789abcdef01234567';
const fetched = {
  commit: { sha, authorName: 'A', authorEmail: 'a@example.org', subject: 'change' },
} as unknown as ResolvedSource;
const outcome = (action: ObjectOutcome['action'], subject = 'ConfigMap/web/settings'): ObjectOutcome => ({
  subject,
  id: subject,
  action,
  phase: 'Sync',
  wave: 0,
});
const result = (outcomes: ObjectOutcome[], extra: Partial<SyncResult> = {}): SyncResult => ({
  appName: 'web',
  dryRun: false,
  outcomes,
  validated: [],
  inventory: [],
  warnings: [],
  stats: { requests: {}, writes: 0, durationMs: 0 },
  ...extra,
});

function sync(
  app: Application,
  trigger: ReconcileReport['trigger'],
  syncResult: SyncResult,
  seconds = 2.5,
): ReconcileReport {
  return syncReport({
    app,
    memory: memory(),
    trigger,
    fetched,
    result: syncResult,
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: new Date(Date.parse('2026-12-01T00:00:00.000Z') + seconds * 1000).toISOString(),
  });
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The samples of one metric, as the registry would expose them (collect callbacks run). */
async function samples(metrics: Metrics, name: string): Promise<Sample[]> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `no metric ${name}`);
  return (await metric.get()).values as Sample[];
}

async function value(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const found = (await samples(metrics, name)).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.equal(found.length, 1, `${name}${JSON.stringify(labels)}: ${found.length} series`);
  return found[0]?.value ?? NaN;
}

const quiet = (): Metrics => new Metrics({ processMetrics: false });

describe('metrics: reconcile reports', () => {
  it('counts a sync by namespace, app, result and trigger, with its duration', async () => {
    const metrics = quiet();
    const web = application('web');
    countReport(metrics, sync(web, 'webhook', result([outcome('configured')]), 2.5));
    countReport(metrics, sync(web, 'webhook', result([outcome('unchanged')]), 0.5));
    countReport(
      metrics,
      sync(
        web,
        'poll',
        result([], { error: { step: 'validate', retry: 'terminal', message: 'bad manifest' } }),
        1,
      ),
    );
    const base = { namespace: 'apps', app: 'web' };
    assert.equal(
      await value(metrics, 'mooring_sync_total', { ...base, result: 'Succeeded', trigger: 'webhook' }),
      2,
    );
    assert.equal(
      await value(metrics, 'mooring_sync_total', { ...base, result: 'Rejected', trigger: 'poll' }),
      1,
    );
    assert.equal((await samples(metrics, 'mooring_sync_total')).length, 2);
    assert.equal(await value(metrics, 'mooring_sync_duration_seconds_total', base), 4);
    const histogram = await samples(metrics, 'mooring_sync_duration_seconds');
    const count = histogram.find(
      (s) =>
        s.metricName === 'mooring_sync_duration_seconds_count' &&
        s.labels.result === 'Succeeded' &&
        s.labels.trigger === 'webhook',
    );
    assert.equal(count?.value, 2);
    const le1 = histogram.find(
      (s) =>
        s.metricName === 'mooring_sync_duration_seconds_bucket' &&
        s.labels.result === 'Succeeded' &&
        s.labels.le === 1,
    );
    assert.equal(le1?.value, 1, 'the 0.5 s sync is in the 1 s bucket, the 2.5 s one is not');
    // No app label on the histogram: its series do not grow with the number of apps.
    assert.ok(histogram.every((s) => !('app' in s.labels)));
  });

  it('does not count a dry run (an app without automated sync compares, it does not sync)', async () => {
    const metrics = quiet();
    countReport(metrics, sync(application('web'), 'poll', result([outcome('configured')], { dryRun: true })));
    assert.deepEqual(await samples(metrics, 'mooring_sync_total'), []);
    assert.equal(await value(metrics, 'mooring_reconcile_reports_total', { kind: 'sync' }), 1);
  });

  it('counts drift detected and corrected by app from heal reports', async () => {
    const metrics = quiet();
    const web = application('web');
    const heal = (outcomes: ObjectOutcome[]): ReconcileReport =>
      healReport({
        app: web,
        memory: memory(),
        outcomes,
        startedAt: '2026-12-01T00:00:00.000Z',
        finishedAt: '2026-12-01T00:00:01.000Z',
      });
    countReport(metrics, heal([outcome('configured', 'Deployment/web/web'), outcome('unchanged')]));
    countReport(metrics, heal([outcome('failed', 'Deployment/web/web')]));
    countReport(metrics, heal([outcome('created', 'Service/web/web')]));
    const base = { namespace: 'apps', app: 'web' };
    assert.equal(await value(metrics, 'mooring_drift_detected_total', base), 4);
    assert.equal(await value(metrics, 'mooring_drift_corrected_total', base), 2);
    assert.equal(await value(metrics, 'mooring_reconcile_reports_total', { kind: 'heal' }), 3);
    assert.deepEqual(await samples(metrics, 'mooring_sync_total'), [], 'a heal is not a sync');
  });

  it('counts a report of a kind it does not know by kind only, without failing', async () => {
    const metrics = quiet();
    const report = {
      ...sync(application('web'), 'poll', result([outcome('configured')])),
      kind: 'refusal',
    } as unknown as ReconcileReport;
    assert.doesNotThrow(() => {
      countReport(metrics, report);
    });
    assert.equal(await value(metrics, 'mooring_reconcile_reports_total', { kind: 'refusal' }), 1);
    assert.deepEqual(await samples(metrics, 'mooring_sync_total'), []);
  });

  it('a deleted app leaves no series of its own; other apps keep theirs', async () => {
    const metrics = quiet();
    const web = application('web');
    const api = application('api');
    countReport(metrics, sync(web, 'poll', result([outcome('configured')])));
    countReport(
      metrics,
      sync(web, 'manual', result([], { error: { step: 'apply', retry: 'transient', message: 'x' } })),
    );
    countReport(
      metrics,
      healReport({
        app: web,
        memory: memory(),
        outcomes: [outcome('configured')],
        startedAt: '',
        finishedAt: '',
      }),
    );
    countReport(metrics, sync(api, 'poll', result([outcome('configured')])));
    let apps: Application[] = [web, api];
    metrics.attach(view(() => apps));
    assert.match(await metrics.exposition(), /app="web"/);

    metrics.forgetApp({ namespace: 'apps', app: 'web' });
    apps = [api];
    const text = await metrics.exposition();
    assert.doesNotMatch(text, /app="web"/);
    assert.match(
      text,
      /mooring_sync_total\{namespace="apps",app="api",result="Succeeded",trigger="poll"\} 1/,
    );
    assert.match(text, /mooring_app_info\{[^}]*app="api"[^}]*\} 1/);
  });

  it('reads a duration only from two valid times', () => {
    assert.equal(durationSeconds('2026-12-01T00:00:00.000Z', '2026-12-01T00:00:01.250Z'), 1.25);
    assert.equal(durationSeconds(undefined, '2026-12-01T00:00:01.250Z'), undefined);
    assert.equal(durationSeconds('not a time', '2026-12-01T00:00:01.250Z'), undefined);
    assert.equal(durationSeconds('2026-12-01T00:00:02Z', '2026-12-01T00:00:01Z'), undefined);
  });
});

function view(apps: () => Application[], kube: MetricsView['kubeRequests'] = () => []): MetricsView {
  return {
    apps: () => apps().map(appInfoOf),
    queue: () => ({ depth: 3, active: 1, scheduled: 7 }),
    kubeRequests: kube,
  };
}

describe('metrics: values read at scrape time', () => {
  it('app_info has one series per app with its project, cluster, sync and health status (Argo CD shape)', async () => {
    const metrics = quiet();
    const web = application('web', { sync: { status: 'Synced' }, health: { status: 'Healthy' } });
    const api = application('api');
    metrics.attach(view(() => [web, api]));
    assert.deepEqual(
      (await samples(metrics, 'mooring_app_info')).map((s) => s.labels),
      [
        {
          namespace: 'apps',
          app: 'web',
          project: 'team-a',
          cluster: 'prod-eu',
          sync_status: 'Synced',
          health_status: 'Healthy',
        },
        {
          namespace: 'apps',
          app: 'api',
          project: 'team-a',
          cluster: 'prod-eu',
          sync_status: 'Unknown',
          health_status: 'Unknown',
        },
      ],
    );
    assert.ok((await samples(metrics, 'mooring_app_info')).every((s) => s.value === 1));
  });

  it('a status change replaces the series: no stale state is left', async () => {
    const metrics = quiet();
    const web = application('web', { sync: { status: 'Synced' }, health: { status: 'Healthy' } });
    metrics.attach(view(() => [web]));
    await metrics.exposition();
    web.status = { sync: { status: 'OutOfSync' }, health: { status: 'Degraded' } };
    const rows = await samples(metrics, 'mooring_app_info');
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.ok(row);
    assert.equal(row.labels.sync_status, 'OutOfSync');
    assert.equal(row.labels.health_status, 'Degraded');
    assert.doesNotMatch(await metrics.exposition(), /health_status="Healthy"/);
  });

  it('work queue depth, active and scheduled come from the queue', async () => {
    const metrics = quiet();
    metrics.attach(view(() => []));
    assert.equal((await samples(metrics, 'mooring_workqueue_depth'))[0]?.value, 3);
    assert.equal((await samples(metrics, 'mooring_workqueue_active'))[0]?.value, 1);
    assert.equal((await samples(metrics, 'mooring_workqueue_scheduled'))[0]?.value, 7);
  });

  it('Kubernetes requests by cluster, verb and code are read from the clients, never counted twice', async () => {
    const local = new RequestStats();
    local.record('get');
    local.answered('get', 200);
    local.answered('get', 200);
    local.answered('get', 404);
    local.answered('apply', 200);
    local.answered('list', 0);
    const remote = new RequestStats();
    remote.answered('watch', 200);
    const rows = kubeRequestCounts([
      { cluster: 'in-cluster', stats: local },
      // An impersonating client shares its base client's stats.
      { cluster: 'in-cluster', stats: local },
      { cluster: 'prod-eu', stats: remote },
    ]);
    const metrics = quiet();
    metrics.attach(
      view(
        () => [],
        () => rows,
      ),
    );
    assert.equal(
      await value(metrics, 'mooring_kube_requests_total', {
        cluster: 'in-cluster',
        verb: 'get',
        code: '200',
      }),
      2,
    );
    assert.equal(
      await value(metrics, 'mooring_kube_requests_total', {
        cluster: 'in-cluster',
        verb: 'get',
        code: '404',
      }),
      1,
    );
    assert.equal(
      await value(metrics, 'mooring_kube_requests_total', {
        cluster: 'in-cluster',
        verb: 'list',
        code: 'error',
      }),
      1,
    );
    assert.equal(
      await value(metrics, 'mooring_kube_requests_total', { cluster: 'prod-eu', verb: 'watch', code: '200' }),
      1,
    );
    assert.equal((await samples(metrics, 'mooring_kube_requests_total')).length, 5);
    // Scraped twice: the same values, not doubled.
    assert.equal(
      await value(metrics, 'mooring_kube_requests_total', {
        cluster: 'in-cluster',
        verb: 'get',
        code: '200',
      }),
      2,
    );
  });

  it('before the controller attaches, the scrape answers with zeros and no app series', async () => {
    const metrics = quiet();
    assert.deepEqual(await samples(metrics, 'mooring_app_info'), []);
    assert.equal((await samples(metrics, 'mooring_workqueue_depth'))[0]?.value, 0);
    assert.equal((await samples(metrics, 'mooring_leader'))[0]?.value, 0);
    metrics.setLeader(true);
    assert.equal((await samples(metrics, 'mooring_leader'))[0]?.value, 1);
  });
});

describe('metrics: registry and names', () => {
  it('each Metrics has its own registry: two never share a value, and the global registry stays empty', async () => {
    const a = quiet();
    const b = quiet();
    a.webhookDeliveries.inc({ provider: 'github', result: 'refreshed' });
    assert.equal(await value(a, 'mooring_webhook_deliveries_total', { provider: 'github' }), 1);
    assert.deepEqual(await samples(b, 'mooring_webhook_deliveries_total'), []);
    const { register } = await import('prom-client');
    assert.equal(register.getMetricsAsArray().length, 0);
  });

  it('follows the naming conventions: mooring_ prefix, _total counters, _seconds durations', () => {
    const metrics = new Metrics();
    const ours = metrics.registry.getMetricsAsArray().filter((m) => m.name.startsWith('mooring_'));
    assert.ok(ours.length >= 14, `${ours.length} mooring metrics`);
    for (const metric of ours) {
      const type = (metric as unknown as { type: string }).type;
      if (type === 'counter') assert.match(metric.name, /_total$/, metric.name);
      if (type === 'histogram') assert.match(metric.name, /_seconds$/, metric.name);
      assert.match(metric.name, /^mooring_[a-z_]+$/);
    }
    // Process metrics ride on the same registry.
    assert.ok(metrics.registry.getSingleMetric('process_cpu_seconds_total'));
    assert.ok(metrics.registry.getSingleMetric('nodejs_eventloop_lag_seconds'));
  });
});
