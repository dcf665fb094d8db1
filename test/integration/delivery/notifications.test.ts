/**
 * Rollout notifications on the local cluster: a bad canary (a real Prometheus scraping the test's metrics
 * endpoint) is told as rollout-started, then rollout-aborted naming the failed metrics with their values and
 * the revert commit the abort wrote to Git. The receiver stands in for a webhook endpoint.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { git } from '../../../src/devgit/git-cli.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import { startReceiver } from '../../unit/notify/receiver.js';
import { controllerHarness, readyAt } from '../controller/harness.js';
import { canaryMetrics, deliverySpec, web } from './fixtures.js';

interface Delivered {
  event: string;
  revision?: string;
  apps: { app: string; summary: string; details: string[] }[];
}

describe('rollout notifications', () => {
  it('tells a bad canary started, then aborted with the failed metrics and the revert commit', async (t) => {
    const h = await controllerHarness(t, {
      basicAuth: true,
      allowPush: true,
      notifications: { allowHttp: true },
    });
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const messages = (): Delivered[] => receiver.requests.map((r) => JSON.parse(r.body) as Delivered);
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hook', namespace: h.appNamespace },
      stringData: { url: `${receiver.url}/hook` },
    });
    await h.observer.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'NotificationPolicy',
      metadata: { name: 'rollouts', namespace: h.appNamespace },
      spec: {
        events: ['rollout-started', 'rollout-promoted', 'rollout-aborted'],
        groupWindow: '0s',
        sinks: [{ name: 'hook', type: 'webhook', secretRef: { name: 'hook' } }],
      },
    });
    const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web' });
    const prometheus = await startPrometheus(t, { targets: [metrics.target] });
    const name = h.uniqueName('canary');
    const app = `${h.appNamespace}/${name}`;
    const v1 = await h.publish({ 'web.yaml': [web('1.0')] });
    await h.createApp(name, deliverySpec(prometheus.url));
    await h.waitForApp(name, 'synced at v1 (a first deployment is direct)', readyAt(v1));

    metrics.setMode('bad');
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    await h.waitForApp(name, 'aborted', (a) => a.status?.delivery?.phase === 'Aborted', 120_000);
    const revert = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(
      await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']),
      v2,
      'the revert is on top of v2',
    );
    const delivered = await h.waitFor('the aborted message', () =>
      Promise.resolve(messages().some((m) => m.event === 'rollout-aborted') ? messages() : undefined),
    );
    assert.deepEqual(
      delivered.map((m) => [m.event, m.revision]),
      [
        ['rollout-started', v2],
        ['rollout-aborted', v2],
      ],
    );
    const [started, aborted] = delivered;
    assert.equal(
      started?.apps[0]?.summary,
      `${app}: canary of ${v2.slice(0, 12)} started at step 1 of 2 (25%)`,
    );
    assert.equal(
      aborted?.apps[0]?.summary,
      `${app}: canary of ${v2.slice(0, 12)} aborted at step 1 of 2 (25%)`,
    );
    const details = aborted.apps[0].details;
    assert.ok(details.includes(`stable: ${v1.slice(0, 12)}`), JSON.stringify(details));
    assert.ok(details.includes('failed metric success: 50 (50 < min 99)'), JSON.stringify(details));
    assert.ok(
      details.some((d) => /^failed metric latency: \d+(\.\d+)? \(\d+(\.\d+)? > max 500\)$/.test(d)),
      JSON.stringify(details),
    );
    assert.ok(
      details.includes(`reverted in Git: ${revert.slice(0, 12)} back to ${v1.slice(0, 12)}`),
      JSON.stringify(details),
    );
  });
});
