import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { signBody, WEBHOOK_PATH } from '../../../src/controller/webhook/index.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import type { PromSample } from '../../helpers/prometheus.js';
import {
  configMap,
  controllerHarness,
  deployment,
  kubectl,
  readyAt,
  WEBHOOK_SECRET,
} from '../controller/harness.js';

/** The value of the one series of `name` whose labels include `labels` in a scrape; undefined if none. */
function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = new Map(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

const one = (samples: PromSample[]): number | undefined =>
  samples.length === 1 ? samples[0]?.value : undefined;

describe('metrics: the controller on the local cluster, scraped by a real Prometheus', () => {
  it('serves syncs, app_info, kube requests, drift and webhook deliveries over HTTP, and PromQL returns them', async (t) => {
    const metrics = new Metrics();
    const h = await controllerHarness(t, { webhook: true, metrics });
    const address = h.controller?.webhookAddress;
    assert.ok(address, 'the controller listens');
    const sha = await h.publish({
      'app.yaml': [deployment('web', 2), configMap('settings', { color: 'blue' })],
    });
    const name = h.uniqueName('metrics');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(
      name,
      'Ready and Healthy',
      (app) => readyAt(sha)(app) && app.status?.health?.status === 'Healthy',
    );
    const app = { namespace: h.appNamespace, app: name };

    // /metrics over real HTTP: status is read at scrape time, so it says what the Application says.
    const scrape = async (): Promise<string> => {
      const response = await fetch(`${address}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    const text = await h.waitFor('app_info Synced/Healthy in a scrape', async () => {
      const body = await scrape();
      return sampleOf(body, 'mooring_app_info', {
        ...app,
        sync_status: 'Synced',
        health_status: 'Healthy',
      }) === 1
        ? body
        : undefined;
    });
    assert.equal(
      sampleOf(text, 'mooring_app_info', { ...app, project: 'default', cluster: 'in-cluster' }),
      1,
      'project and cluster labels',
    );
    assert.equal(sampleOf(text, 'mooring_sync_total', { ...app, result: 'Succeeded', trigger: 'poll' }), 1);
    assert.ok((sampleOf(text, 'mooring_sync_duration_seconds_total', app) ?? 0) > 0);
    assert.ok(
      (sampleOf(text, 'mooring_sync_duration_seconds_count', { result: 'Succeeded', trigger: 'poll' }) ??
        0) >= 1,
    );
    assert.ok((sampleOf(text, 'mooring_git_fetch_duration_seconds_count', { result: 'success' }) ?? 0) >= 1);
    // The first turn of the app came through the work queue, and its report through the sinks.
    assert.ok((sampleOf(text, 'mooring_workqueue_wait_duration_seconds_count', {}) ?? 0) >= 1);
    assert.ok((sampleOf(text, 'mooring_reconcile_reports_total', { kind: 'sync' }) ?? 0) >= 1);
    assert.ok(
      (sampleOf(text, 'mooring_render_duration_seconds_count', {
        renderer: 'directory',
        result: 'success',
      }) ?? 0) >= 1,
    );
    // Both objects were created by server-side apply (verb apply, 201 Created).
    const applied = sampleOf(text, 'mooring_kube_requests_total', {
      cluster: 'in-cluster',
      verb: 'apply',
      code: '201',
    });
    assert.equal(
      applied,
      2,
      text
        .split('\n')
        .filter((l) => l.startsWith('mooring_kube'))
        .join('\n'),
    );
    assert.ok(
      (sampleOf(text, 'mooring_kube_requests_total', { cluster: 'in-cluster', verb: 'watch', code: '200' }) ??
        0) >= 1,
    );
    // A copy of the client's own counts (the app is idle now), not a second count.
    const stats = h.controllerRequests();
    assert.ok(stats);
    const body = await scrape();
    const fromClient = stats.byCode().find((r) => r.verb === 'apply' && r.code === '201')?.count;
    assert.equal(
      sampleOf(body, 'mooring_kube_requests_total', { cluster: 'in-cluster', verb: 'apply', code: '201' }),
      fromClient,
    );
    assert.match(text, /^process_cpu_user_seconds_total \d/m);

    // A real Prometheus scrapes the controller; PromQL answers with the app's series.
    const prometheus = await startPrometheus(t, { targets: [address.replace(/^http:\/\//, '')] });
    const selector = `namespace="${h.appNamespace}",app="${name}"`;
    const info = await prometheus.waitFor(
      'app_info scraped',
      `mooring_app_info{${selector}}`,
      (samples) => samples.length === 1,
    );
    const [series] = info;
    assert.ok(series);
    assert.equal(series.metric.sync_status, 'Synced');
    assert.equal(series.metric.health_status, 'Healthy');
    assert.equal(series.metric.job, 'mooring');
    assert.equal(one(await prometheus.query(`sum(mooring_sync_total{${selector},result="Succeeded"})`)), 1);
    assert.ok(
      (one(await prometheus.query('sum(mooring_kube_requests_total{verb="apply",code="201"})')) ?? 0) >= 2,
    );
    assert.equal(
      one(await prometheus.query(`count(mooring_app_info{${selector},health_status!="Healthy"})`)),
      undefined,
      'no second series with another health status',
    );

    // A drift correction: kubectl scale is undone by a heal, and PromQL sees it detected and corrected.
    await kubectl(['scale', 'deployment/web', '--replicas=5', '-n', h.destNamespace]);
    await h.waitFor('the scale undone', async () => {
      const live = await h.get('apps/v1', 'Deployment', 'web');
      const events = await h.events(name);
      return (live?.spec as { replicas?: number } | undefined)?.replicas === 2 &&
        events.some((e) => e.reason === 'DriftCorrected')
        ? true
        : undefined;
    });
    const corrected = await prometheus.waitFor(
      'drift corrected scraped',
      `mooring_drift_corrected_total{${selector}}`,
      (samples) => (samples[0]?.value ?? 0) >= 1,
    );
    assert.equal(corrected.length, 1);
    assert.ok((one(await prometheus.query(`mooring_drift_detected_total{${selector}}`)) ?? 0) >= 1);
    assert.equal(
      one(await prometheus.query(`sum(mooring_sync_total{${selector}})`)),
      1,
      'a heal is not counted as a sync',
    );

    // A push announced by a signed webhook: counted by provider and result, and its sync by trigger.
    const second = await h.publish({
      'app.yaml': [deployment('web', 2), configMap('settings', { color: 'green' })],
    });
    const delivery = JSON.stringify({
      repoURL: h.repoURL,
      branch: 'main',
      revision: second,
      paths: ['app/app.yaml'],
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${address}${WEBHOOK_PATH}`, {
        method: 'POST',
        body: delivery,
        headers: { 'content-type': 'application/json', ...headers },
      });
    assert.equal((await post({ 'x-mooring-signature': signBody('not-the-secret', delivery) })).status, 401);
    assert.equal((await post({ 'x-mooring-signature': signBody(WEBHOOK_SECRET, delivery) })).status, 202);
    await h.waitForApp(name, 'Ready at the pushed commit', readyAt(second));
    await prometheus.waitFor(
      'the webhook sync scraped',
      `mooring_sync_total{${selector},result="Succeeded",trigger="webhook"}`,
      (samples) => one(samples) === 1,
    );
    assert.equal(
      one(await prometheus.query('mooring_webhook_deliveries_total{provider="generic",result="refreshed"}')),
      1,
    );
    assert.equal(
      one(
        await prometheus.query('mooring_webhook_deliveries_total{provider="generic",result="unauthorized"}'),
      ),
      1,
    );

    // Deleting the app removes its series: the next scrape has none, and Prometheus marks them stale.
    await h.observer.delete(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: h.appNamespace,
      name,
    });
    await h.waitFor('no series of the deleted app in a scrape', async () =>
      (await scrape()).includes(`app="${name}"`) ? undefined : true,
    );
    await prometheus.waitFor(
      'app_info of the deleted app gone',
      `mooring_app_info{${selector}}`,
      (s) => s.length === 0,
    );
    assert.deepEqual(await prometheus.query(`mooring_sync_total{${selector}}`), []);
    assert.deepEqual(await prometheus.query(`mooring_drift_corrected_total{${selector}}`), []);
    const up = await prometheus.query('up{job="mooring"}');
    assert.equal(one(up), 1, 'the controller was scraped throughout');
  });
});
