/**
 * Progressive delivery end to end on the local cluster: a real Prometheus scrapes a metrics endpoint this
 * test controls (request counters and a latency histogram of the canary's track), and the controller rolls a
 * Deployment out through its canary steps, aborts a bad version with a revert commit in Git, and waits while
 * traffic is too low to judge.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import { git } from '../../../src/devgit/git-cli.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import { assertPromoted, canaryMetrics, deliverySpec, imageOf, replicasOf, web } from './fixtures.js';
import { controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';

async function setUp(t: TestContext): Promise<{
  h: ControllerHarness;
  name: string;
  metrics: Awaited<ReturnType<typeof canaryMetrics>>;
  v1: string;
}> {
  const h = await controllerHarness(t, { basicAuth: true, allowPush: true });
  const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web' });
  const prometheus = await startPrometheus(t, { targets: [metrics.target] });
  const name = h.uniqueName('canary');
  const v1 = await h.publish({ 'web.yaml': [web('1.0')] });
  await h.createApp(name, deliverySpec(prometheus.url));
  await h.waitForApp(name, 'synced at v1 (a first deployment is direct)', readyAt(v1));
  assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
  return { h, name, metrics, v1 };
}

describe('progressive delivery: canary by replica ratio with Prometheus analysis', () => {
  it('a good canary goes through every step and is promoted', async (t) => {
    const { h, name, metrics } = await setUp(t);
    metrics.setMode('good');
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    // Step 1: one canary pod of four with the new template; the stable keeps the old one.
    const canary = await h.waitFor('the canary at 25%', async () => {
      const d = await h.get('apps/v1', 'Deployment', 'web-canary');
      return replicasOf(d) === 1 ? d : undefined;
    });
    assert.equal(imageOf(canary), 'registry.example/web:2.0');
    const stable = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(imageOf(stable), 'registry.example/web:1.0', 'the stable keeps the old template');
    assert.equal(replicasOf(stable), 3);
    await h.waitForEvent(name, 'RolloutStep', (m) => m.includes('50%'));
    await assertPromoted(h, name, v2);
    await h.waitFor('the canary removed', async () =>
      (await h.get('apps/v1', 'Deployment', 'web-canary')) === undefined ? true : undefined,
    );
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(head, v2, 'a promotion writes nothing to Git');
    await h.waitForEvent(name, 'RolloutPromoted');
  });

  it('a bad canary is aborted at its first step: traffic back on stable, the revert in Git, the metric named', async (t) => {
    const { h, name, metrics, v1 } = await setUp(t);
    metrics.setMode('bad');
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    await h.waitFor(
      'the canary',
      async () => (await h.get('apps/v1', 'Deployment', 'web-canary')) ?? undefined,
    );
    const aborted = await h.waitForApp(
      name,
      'aborted',
      (a) => a.status?.delivery?.phase === 'Aborted',
      120_000,
    );
    const started = Date.now();
    assert.equal(aborted.status?.delivery?.step, 0, 'aborted at the first step');
    const message = aborted.status.delivery.message ?? '';
    assert.match(message, /success=50 \(50 < min 99\)/);
    assert.match(message, /latency=\d+(\.\d+)? \(\d+(\.\d+)? > max 500\)/);
    const backOnStable = /traffic back on stable in (\d+)ms/.exec(message);
    assert.ok(backOnStable, message);
    t.diagnostic(`failed analysis -> traffic back on stable: ${backOnStable[1]} ms`);
    // Traffic: the canary is gone and the stable runs the old version at full size.
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined);
    const stable = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(imageOf(stable), 'registry.example/web:1.0');
    assert.equal(replicasOf(stable), 4);
    // Git: a revert commit on top of the bad one, restoring v1's folder.
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']), v2);
    assert.equal(
      await git(h.repo.bareDir, ['log', '-1', '--format=%an|%s', head]),
      `Mooring|Roll back ${name} to ${v1.slice(0, 12)}`,
    );
    assert.equal(await git(h.repo.bareDir, ['diff', v1, head, '--', 'app']), '');
    // The SyncRecord of the abort names the metric and its value.
    const records = await h.syncRecords(name);
    const abort = records.find((r) => (r.spec as { trigger: string }).trigger === 'rollback');
    assert.ok(abort, 'an abort SyncRecord');
    assert.equal((abort.spec as { result: string }).result, 'Failed');
    assert.match((abort.spec as { message: string }).message, /success=50/);
    // The revert syncs like any commit and no canary comes back.
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined);
    t.diagnostic(`abort seen -> revert synced: ${Date.now() - started} ms`);
    // After an abort the next change rolls out normally (the working copy first takes the revert commit).
    await git(h.repo.dir, ['fetch', '--quiet', 'origin']);
    await git(h.repo.dir, ['reset', '--quiet', '--hard', 'origin/main']);
    metrics.setMode('good');
    const v3 = await h.publish({ 'web.yaml': [web('3.0')] });
    const done = await h.waitForApp(
      name,
      'v3 promoted',
      (a) => a.status?.delivery?.phase === 'Succeeded' && a.status.delivery.revision === v3,
      120_000,
    );
    assert.equal(done.status?.delivery?.revision, v3);
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:3.0');
  });

  it('low traffic waits instead of failing, then promotes once there is enough', async (t) => {
    const { h, name, metrics } = await setUp(t);
    metrics.setMode('idle');
    await h.publish({ 'web.yaml': [web('2.0')] });
    const first = await h.waitForApp(name, 'waiting for traffic', (a) =>
      (a.status?.delivery?.message ?? '').includes('waiting for traffic'),
    );
    // Liveness: Prometheus keeps scraping (zero new requests) while the step keeps waiting, check after check.
    const scrapes = metrics.scrapes();
    await h.waitFor('ten more scrapes', () =>
      Promise.resolve(metrics.scrapes() >= scrapes + 10 ? true : undefined),
    );
    const later = await h.getApp(name);
    assert.equal(later.status?.delivery?.phase, 'Waiting');
    assert.equal(later.status.delivery.step, 0);
    assert.equal(later.status.delivery.failedChecks, 0, 'low traffic is never a failure');
    assert.match(later.status.delivery.message ?? '', /0 canary requests in the interval, 10 needed/);
    assert.equal(first.status?.delivery?.revision, later.status.delivery.revision);
    assert.ok(await h.get('apps/v1', 'Deployment', 'web-canary'), 'the canary is still there');
    metrics.setMode('good');
    await h.waitForApp(
      name,
      'promoted once traffic came',
      (a) => a.status?.delivery?.phase === 'Succeeded',
      120_000,
    );
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:2.0');
  });

  it('a canary whose pods crash-loop is aborted with the Pod’s reason, without waiting for metrics', async (t) => {
    const { h, name, metrics, v1 } = await setUp(t);
    metrics.setMode('idle');
    const v2 = await h.publish({ 'web.yaml': [web('2.0', { 'mooring.dev/fault': 'crashloop' })] });
    const aborted = await h.waitForApp(name, 'aborted', (a) => a.status?.delivery?.phase === 'Aborted');
    assert.equal(aborted.status?.delivery?.revision, v2);
    assert.match(
      aborted.status.delivery.message ?? '',
      /canary failed: Pod web-canary-[a-z0-9-]+ container main: CrashLoopBackOff/,
    );
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(await git(h.repo.bareDir, ['diff', v1, head, '--', 'app']), '');
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined);
  });
});
