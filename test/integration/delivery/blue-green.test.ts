/**
 * Blue-green end to end on the local cluster: a real Prometheus scrapes a metrics endpoint this test controls
 * (the preview track's request counters and latency histogram). A good version runs beside the old one
 * behind the preview Service, the active Service switches to it, the old pods are kept for the scale-down
 * delay and then the Deployment named in Git takes the new template. A bad version is aborted before the
 * active Service ever leaves the old pods, and the revert commit appears in Git and syncs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import type { ApplicationSpec } from '../../../src/app/model.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { git } from '../../../src/devgit/git-cli.js';
import { testCluster } from '../../helpers/kube.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import { assertPromoted, canaryMetrics, deliverySpec, imageOf, replicasOf, web } from './fixtures.js';
import { controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';

function service(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

const manifests = (version: string): KubeObject[] => [web(version), service('web'), service('web-preview')];

const selectorOf = (s: KubeObject | undefined): Record<string, string> | undefined =>
  (s?.spec as { selector?: Record<string, string> } | undefined)?.selector;

function blueGreenSpec(prometheus: string, blueGreen: Record<string, unknown>): Partial<ApplicationSpec> {
  const spec = deliverySpec(prometheus) as { delivery: Record<string, unknown> };
  delete spec.delivery.canary;
  spec.delivery.blueGreen = { activeService: 'web', previewService: 'web-preview', ...blueGreen };
  return spec as unknown as Partial<ApplicationSpec>;
}

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function mooring(h: ControllerHarness, args: string[]): Promise<{ stdout: string }> {
  return run(
    process.execPath,
    [cli, ...args, '-n', h.appNamespace, '--kubeconfig', testCluster().kubeconfigPath],
    { timeout: 30_000 },
  );
}

async function setUp(
  t: TestContext,
  blueGreen: Record<string, unknown> = { scaleDownDelay: '6s' },
): Promise<{
  h: ControllerHarness;
  name: string;
  metrics: Awaited<ReturnType<typeof canaryMetrics>>;
  v1: string;
}> {
  const h = await controllerHarness(t, { basicAuth: true, allowPush: true });
  const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web', track: 'preview' });
  const prometheus = await startPrometheus(t, { targets: [metrics.target] });
  const name = h.uniqueName('bluegreen');
  const v1 = await h.publish({ 'web.yaml': manifests('1.0') });
  await h.createApp(name, blueGreenSpec(prometheus.url, blueGreen));
  await h.waitForApp(name, 'synced at v1 (a first deployment is direct)', readyAt(v1));
  return { h, name, metrics, v1 };
}

/** Images of the pods a selector reaches (what a Service with that selector sends traffic to). */
async function imagesBehind(h: ControllerHarness, selector: Record<string, string>): Promise<string[]> {
  const pods = await h.observer.list('v1', 'Pod', {
    namespace: h.destNamespace,
    labelSelector: Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  });
  return [
    ...new Set(
      pods
        .filter((p) => p.metadata.deletionTimestamp === undefined)
        .map((p) => (p.spec as { containers: { image: string }[] }).containers[0]?.image ?? ''),
    ),
  ].sort();
}

describe('progressive delivery: blue-green with a preview Service and Prometheus analysis', () => {
  it('a good version is previewed, switched to, and the old one goes after the delay', async (t) => {
    const { h, name, metrics } = await setUp(t);
    metrics.setMode('good');
    const v2 = await h.publish({ 'web.yaml': manifests('2.0') });
    const preview = await h.waitFor('the preview at full size', async () => {
      const d = await h.get('apps/v1', 'Deployment', 'web-preview');
      return replicasOf(d) === 4 ? d : undefined;
    });
    assert.equal(imageOf(preview), 'registry.example/web:2.0');
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
    // Before the switch: the active Service reaches the old pods only, the preview Service the new ones.
    const pinned = selectorOf(await h.get('v1', 'Service', 'web'));
    assert.ok(pinned?.['pod-template-hash'], JSON.stringify(pinned));
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web-preview')), {
      app: 'web',
      'mooring.dev/track': 'preview',
    });
    await h.waitFor('preview pods', async () =>
      (await imagesBehind(h, { app: 'web', 'mooring.dev/track': 'preview' })).length > 0 ? true : undefined,
    );
    assert.deepEqual(await imagesBehind(h, pinned), ['registry.example/web:1.0']);
    // The switch: the active Service moves to the preview pods; the old version is kept for the delay.
    await h.waitForEvent(name, 'RolloutSwitched', () => true, 120_000);
    const switched = await h.getApp(name);
    assert.equal(switched.status?.delivery?.blueGreen?.activeRevision, v2);
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), {
      app: 'web',
      'mooring.dev/track': 'preview',
    });
    await assertPromoted(h, name, v2);
    // Git's selectors are back and the preview is gone: Git, cluster and history agree.
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), { app: 'web' });
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web-preview')), { app: 'web' });
    await h.waitFor('the preview removed', async () =>
      (await h.get('apps/v1', 'Deployment', 'web-preview')) === undefined ? true : undefined,
    );
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']), v2, 'nothing written to Git');
    // The sync that gave the Deployment the new template ran while users were switched: it applied the
    // rollout's selector (held back like the template), so it configured the Deployment and not the Service.
    interface Recorded {
      revision: string;
      objects?: { subject: string; action: string }[];
    }
    const promotion = (await h.syncRecords(name))
      .map((r) => r.spec as Recorded)
      .find(
        (r) =>
          r.revision === v2 &&
          r.objects?.some(
            (o) => o.subject === `Deployment/${h.destNamespace}/web` && o.action === 'configured',
          ),
      );
    assert.ok(promotion, 'the promotion SyncRecord');
    const activeOutcome = promotion.objects?.find((o) => o.subject === `Service/${h.destNamespace}/web`);
    assert.equal(activeOutcome?.action, 'unchanged', JSON.stringify(promotion.objects));
    const after = await h.waitForApp(name, 'in sync at v2', readyAt(v2));
    assert.equal(after.status?.sync?.status, 'Synced');
  });

  it('a bad version is aborted before the switch: the active Service never leaves the old pods, the revert syncs', async (t) => {
    const { h, name, metrics, v1 } = await setUp(t);
    metrics.setMode('bad');
    const v2 = await h.publish({ 'web.yaml': manifests('2.0') });
    await h.waitFor(
      'the preview',
      async () => (await h.get('apps/v1', 'Deployment', 'web-preview')) ?? undefined,
    );
    const pinned = selectorOf(await h.get('v1', 'Service', 'web'));
    assert.ok(pinned?.['pod-template-hash'], JSON.stringify(pinned));
    const aborted = await h.waitForApp(
      name,
      'aborted',
      (a) => a.status?.delivery?.phase === 'Aborted',
      120_000,
    );
    const seen = Date.now();
    const message = aborted.status?.delivery?.message ?? '';
    assert.match(message, /^blue-green of [0-9a-f]+ aborted at stage Preview: /);
    assert.match(message, /success=50 \(50 < min 99\)/);
    const back = /traffic back on stable in (\d+)ms/.exec(message);
    assert.ok(back, message);
    t.diagnostic(`failed analysis -> active confirmed on old, preview deleted: ${back[1]} ms`);
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), pinned, 'the active never switched');
    assert.deepEqual(await imagesBehind(h, pinned), ['registry.example/web:1.0']);
    await h.waitFor('the preview removed', async () =>
      (await h.get('apps/v1', 'Deployment', 'web-preview')) === undefined ? true : undefined,
    );
    t.diagnostic(`abort seen -> preview Deployment gone: ${Date.now() - seen} ms`);
    // Git: a revert commit on top of the bad one; it syncs, and Git's selectors come back.
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']), v2);
    assert.equal(await git(h.repo.bareDir, ['diff', v1, head, '--', 'app']), '');
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    t.diagnostic(`abort seen -> revert synced: ${Date.now() - seen} ms`);
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), { app: 'web' });
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
    // The next commit rolls out normally.
    await git(h.repo.dir, ['fetch', '--quiet', 'origin']);
    await git(h.repo.dir, ['reset', '--quiet', '--hard', 'origin/main']);
    metrics.setMode('good');
    const v3 = await h.publish({ 'web.yaml': manifests('3.0') });
    await h.waitForApp(
      name,
      'v3 promoted',
      (a) => a.status?.delivery?.phase === 'Succeeded' && a.status.delivery.revision === v3,
      120_000,
    );
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:3.0');
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), { app: 'web' });
  });

  it('without automatic promotion it waits for mooring promote; mooring abort after the switch switches back', async (t) => {
    const { h, name, metrics, v1 } = await setUp(t, { autoPromotionEnabled: false, scaleDownDelay: '10m' });
    metrics.setMode('good');
    const v2 = await h.publish({ 'web.yaml': manifests('2.0') });
    const waiting = await h.waitForApp(
      name,
      'analysis passed, waiting for mooring promote',
      (a) => a.status?.delivery?.blueGreen?.stage === 'AwaitingPromotion',
      120_000,
    );
    assert.match(waiting.status?.delivery?.message ?? '', /waiting for mooring promote$/);
    const pinned = selectorOf(await h.get('v1', 'Service', 'web'));
    assert.ok(pinned?.['pod-template-hash'], JSON.stringify(pinned));
    // Liveness: Prometheus keeps scraping good numbers while the switch still waits for a person.
    const scrapes = metrics.scrapes();
    await h.waitFor('five more scrapes', () =>
      Promise.resolve(metrics.scrapes() >= scrapes + 5 ? true : undefined),
    );
    assert.equal((await h.getApp(name)).status?.delivery?.blueGreen?.stage, 'AwaitingPromotion');
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), pinned, 'no switch without promote');
    await mooring(h, ['promote', name]);
    await h.waitForEvent(name, 'RolloutSwitched', (m) => m.includes('mooring promote'));
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), {
      app: 'web',
      'mooring.dev/track': 'preview',
    });
    // Within the scale-down delay the old pods still run: an abort puts users back on them at once.
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:1.0');
    await mooring(h, ['abort', name]);
    const aborted = await h.waitForApp(name, 'aborted', (a) => a.status?.delivery?.phase === 'Aborted');
    assert.match(
      aborted.status?.delivery?.message ?? '',
      /aborted at stage Switched: aborted with mooring abort/,
    );
    const back = /traffic back on stable in (\d+)ms/.exec(aborted.status?.delivery?.message ?? '');
    assert.ok(back);
    t.diagnostic(
      `mooring abort after the switch -> active back on the old pods, preview deleted: ${back[1]} ms`,
    );
    assert.deepEqual(
      selectorOf(await h.get('v1', 'Service', 'web')),
      pinned,
      'switched back to the old pods',
    );
    assert.deepEqual(await imagesBehind(h, pinned), ['registry.example/web:1.0']);
    const head = await h.waitFor('the revert commit', async () => {
      const sha = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
      return sha === v2 ? undefined : sha;
    });
    assert.equal(await git(h.repo.bareDir, ['diff', v1, head, '--', 'app']), '');
    await h.waitForApp(name, 'synced at the revert', readyAt(head));
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-preview'), undefined);
    assert.deepEqual(selectorOf(await h.get('v1', 'Service', 'web')), { app: 'web' });
  });
});
