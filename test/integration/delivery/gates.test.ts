/**
 * Progressive delivery on the local cluster, the manual and failure paths: a confirm-promotion webhook holds
 * promotion until it answers 2xx (checked on the exact request Flagger documents), `mooring abort` ends a
 * held rollout with the revert in Git, and a Prometheus that does not answer holds the rollout (no promotion,
 * no abort) with the reason in status.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { git } from '../../../src/devgit/git-cli.js';
import { freePort } from '../../../src/devcluster/ports.js';
import { testCluster } from '../../helpers/kube.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import { controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';
import { canaryMetrics, deliverySpec, imageOf, replicasOf, web } from './fixtures.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function mooring(h: ControllerHarness, args: string[]): Promise<{ stdout: string }> {
  return run(
    process.execPath,
    [cli, ...args, '-n', h.appNamespace, '--kubeconfig', testCluster().kubeconfigPath],
    { timeout: 30_000 },
  );
}

/** A webhook receiver: answers `status()` and keeps every request body. */
async function gateServer(
  t: TestContext,
): Promise<{ url: string; bodies: unknown[]; setStatus: (code: number) => void }> {
  let status = 503;
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      bodies.push({
        method: req.method,
        contentType: req.headers['content-type'],
        body: JSON.parse(text) as unknown,
      });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/approve`,
    bodies,
    setStatus: (code) => {
      status = code;
    },
  };
}

async function withApp(
  t: TestContext,
  prometheusURL: (metricsTarget: string) => Promise<string>,
  analysis: Record<string, unknown> = {},
): Promise<{
  h: ControllerHarness;
  name: string;
  setMode: (m: 'good' | 'bad' | 'idle') => void;
  v1: string;
}> {
  const h = await controllerHarness(t, { basicAuth: true, allowPush: true });
  const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web' });
  const address = await prometheusURL(metrics.target);
  const name = h.uniqueName('gate');
  const v1 = await h.publish({ 'web.yaml': [web('1.0')] });
  await h.createApp(name, deliverySpec(address, analysis));
  await h.waitForApp(name, 'synced at v1', readyAt(v1));
  return { h, name, setMode: metrics.setMode, v1 };
}

describe('progressive delivery: gates, manual promote and abort, Prometheus down', () => {
  it('confirm-promotion holds until the webhook answers 2xx; mooring abort ends a held rollout in Git', async (t) => {
    const gate = await gateServer(t);
    const { h, name, setMode, v1 } = await withApp(
      t,
      async (target) => (await startPrometheus(t, { targets: [target] })).url,
      {
        webhooks: [
          { name: 'approve', type: 'confirm-promotion', url: gate.url, metadata: { ticket: 'CHG-42' } },
          { name: 'announce', type: 'post-rollout', url: gate.url },
        ],
      },
    );
    setMode('good');
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    await h.waitForApp(name, 'promotion held by the gate', (a) =>
      (a.status?.delivery?.message ?? '').includes('promotion held: gate approve answered 503'),
    );
    // Liveness: the gate is asked again and again while it says no, and the stable is untouched.
    await h.waitFor('three gate calls', () => Promise.resolve(gate.bodies.length >= 3 ? true : undefined));
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
    assert.deepEqual(gate.bodies[0], {
      method: 'POST',
      contentType: 'application/json',
      body: {
        name: 'web',
        namespace: h.destNamespace,
        phase: 'Promoting',
        checksum: (gate.bodies[0] as { body: { checksum: string } }).body.checksum,
        type: 'confirm-promotion',
        metadata: { ticket: 'CHG-42' },
      },
    });
    gate.setStatus(200);
    await h.waitForApp(
      name,
      'promoted once the gate said yes',
      (a) => a.status?.delivery?.phase === 'Succeeded' && a.status.delivery.revision === v2,
    );
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:2.0');
    // post-rollout webhooks hear of the promotion.
    const told = await h.waitFor('the post-rollout call', () =>
      Promise.resolve(
        gate.bodies.find((b) => (b as { body: { type: string } }).body.type === 'post-rollout'),
      ),
    );
    assert.deepEqual((told as { body: unknown }).body, {
      name: 'web',
      namespace: h.destNamespace,
      phase: 'Succeeded',
      checksum: (told as { body: { checksum: string } }).body.checksum,
      type: 'post-rollout',
      metadata: {},
    });

    // A held rollout aborted by hand: the stable stays, the revert lands in Git.
    gate.setStatus(503);
    const v3 = await h.publish({ 'web.yaml': [web('3.0')] });
    await h.waitForApp(
      name,
      'v3 held by the gate',
      (a) =>
        a.status?.delivery?.revision === v3 && (a.status.delivery.message ?? '').includes('promotion held'),
    );
    const { stdout: status } = await mooring(h, ['status', name]);
    assert.match(status, /rollout Waiting of [0-9a-f]{12}: step 2, canary 50%/);
    const { stdout } = await mooring(h, ['abort', name]);
    assert.match(stdout, /abort of .*'s rollout requested/);
    const aborted = await h.waitForApp(
      name,
      'aborted by hand',
      (a) => a.status?.delivery?.phase === 'Aborted',
    );
    assert.match(aborted.status?.delivery?.message ?? '', /aborted with mooring abort/);
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']), v3);
    assert.equal(await git(h.repo.bareDir, ['diff', v2, head, '--', 'app']), '', 'the folder is back at v2');
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:2.0');
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined);
    assert.notEqual(v1, head);
  });

  it('a pre-rollout webhook that refuses aborts before any traffic moves: the revert in Git, the webhook named', async (t) => {
    const gate = await gateServer(t);
    // No analysis runs before pre-rollout: a Prometheus nobody listens on is never asked.
    const down = `http://127.0.0.1:${await freePort()}`;
    const { h, name, v1 } = await withApp(t, () => Promise.resolve(down), {
      webhooks: [{ name: 'smoke', type: 'pre-rollout', url: gate.url, metadata: { suite: 'smoke' } }],
    });
    assert.equal(gate.bodies.length, 0, 'a first deployment is direct: no rollout, no pre-rollout call');
    gate.setStatus(500);
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    const aborted = await h.waitForApp(
      name,
      'aborted by the pre-rollout webhook',
      (a) => a.status?.delivery?.phase === 'Aborted' && a.status.delivery.revision === v2,
    );
    assert.match(aborted.status?.delivery?.message ?? '', /pre-rollout gate smoke answered 500/);
    assert.deepEqual(gate.bodies, [
      {
        method: 'POST',
        contentType: 'application/json',
        body: {
          name: 'web',
          namespace: h.destNamespace,
          phase: 'Progressing',
          checksum: (gate.bodies[0] as { body: { checksum: string } }).body.checksum,
          type: 'pre-rollout',
          metadata: { suite: 'smoke' },
        },
      },
    ]);
    const record = await h.waitFor('the abort SyncRecord', async () =>
      (await h.syncRecords(name)).find(
        (r) =>
          (r.spec as { trigger?: string; revision?: string }).revision === v2 &&
          (r.spec as { result?: string }).result === 'Failed',
      ),
    );
    assert.match((record.spec as { message: string }).message, /pre-rollout gate smoke answered 500/);
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']), v2);
    assert.equal(await git(h.repo.bareDir, ['diff', v1, head, '--', 'app']), '', 'the folder is back at v1');
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    const stable = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(imageOf(stable), 'registry.example/web:1.0');
    assert.equal(replicasOf(stable), 4, 'the stable back at full size');
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined, 'no canary was started');
  });

  it('a Prometheus that does not answer holds the rollout with the reason; mooring promote promotes anyway', async (t) => {
    // Nothing listens on this port: every query fails to connect.
    const down = `http://127.0.0.1:${await freePort()}`;
    const { h, name, setMode } = await withApp(t, () => Promise.resolve(down));
    setMode('good');
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    const held = await h.waitForApp(name, 'metrics unavailable', (a) =>
      (a.status?.delivery?.message ?? '').includes('metrics unavailable, not promoting'),
    );
    assert.equal(held.status?.delivery?.phase, 'Waiting');
    assert.equal(held.status.delivery.failedChecks, 0, 'no data is not a failure');
    assert.match(held.status.delivery.message ?? '', /unreachable/);
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
    assert.ok(await h.get('apps/v1', 'Deployment', 'web-canary'));
    const { stdout } = await mooring(h, ['promote', name]);
    assert.match(stdout, /promote of .*'s rollout requested/);
    await h.waitForApp(
      name,
      'promoted by hand',
      (a) => a.status?.delivery?.phase === 'Succeeded' && a.status.delivery.revision === v2,
    );
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:2.0');
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']), v2, 'Git unchanged');
  });
});
