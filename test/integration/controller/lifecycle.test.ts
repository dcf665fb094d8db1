import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { TRACKING_LABEL } from '../../../src/plan/tracking.js';
import { testCluster } from '../../helpers/kube.js';
import { configMap, configMapData, controllerHarness, deployment, readyAt } from './harness.js';
import type { ControllerHarness } from './harness.js';
import { neighbourPolled, startNeighbour } from './liveness.js';

const run = promisify(execFile);
const cli = (): string => join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

async function mooring(h: ControllerHarness, args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [cli(), ...args, '-n', h.appNamespace, '--kubeconfig', testCluster().kubeconfigPath],
    {
      timeout: 30_000,
    },
  );
  return stdout;
}

/** Names of the ConfigMaps in the destination namespace that carry `app`'s tracking label. */
async function trackedConfigMaps(h: ControllerHarness, app: string): Promise<string[]> {
  const found = await h.observer.list('v1', 'ConfigMap', {
    namespace: h.destNamespace,
    labelSelector: `${TRACKING_LABEL}=${app}`,
  });
  return found.map((o) => o.metadata.name).sort();
}

describe('controller: app lifecycle', () => {
  it('does not apply commits while suspended and applies them on resume', async (t) => {
    const h = await controllerHarness(t);
    // First, so that its own commit does not move the branch under the app.
    const neighbour = await startNeighbour(h, '2s');
    const first = await h.publish({ 'app.yaml': [configMap('paused', { v: '1' })] });
    const name = h.uniqueName('pause');
    await h.createApp(name, { interval: '2s' });
    await h.waitForApp(name, 'Ready', readyAt(first));

    assert.match(await mooring(h, ['suspend', name]), /suspended/);
    await h.waitForApp(name, 'suspend seen', (app) => app.spec.suspend === true);
    await h.publish({ 'app.yaml': [configMap('paused', { v: '2' })] });
    // Liveness first: a neighbour polled as often has picked up three commits since.
    const head = await neighbourPolled(h, neighbour);
    assert.deepEqual(await configMapData(h, 'paused'), { v: '1' }, 'polls later, nothing applied');
    assert.equal((await h.getApp(name)).status?.sync?.revision, first);

    assert.match(await mooring(h, ['resume', name]), /resumed/);
    // The branch head is now the neighbour's last commit, which holds `second`'s change for this app.
    await h.waitForApp(name, 'Ready at the new commit', readyAt(head));
    assert.deepEqual(await configMapData(h, 'paused'), { v: '2' });
  });

  it('prunes what an Application owns when it is deleted, and keeps it with orphanOnDelete', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({ 'app.yaml': [configMap('owned', { v: '1' }), deployment('owned', 1)] });
    const pruned = h.uniqueName('doomed');
    await h.createApp(pruned, { interval: '1h' });
    await h.waitForApp(pruned, 'Ready', readyAt(sha));
    const orphaned = h.uniqueName('orphaner');
    await h.publish({ 'keep.yaml': [configMap('survivor', { v: '1' })] }, 'other');
    await h.createApp(orphaned, { interval: '1h', orphanOnDelete: true }, 'other');
    await h.waitForApp(
      orphaned,
      'Ready',
      (app) => app.status?.sync?.status === 'Synced' && (app.status.inventory?.length ?? 0) === 1,
    );
    assert.ok(
      ((await h.getApp(pruned)).metadata.finalizers as string[] | undefined)?.includes(
        'mooring.dev/prune-on-delete',
      ),
    );

    await h.observer.delete('mooring.dev/v1alpha1', {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: h.appNamespace,
      name: pruned,
    });
    await h.observer.delete('mooring.dev/v1alpha1', {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: h.appNamespace,
      name: orphaned,
    });
    await h.waitFor('both Applications gone', async () => {
      const left = await h.observer.list('mooring.dev/v1alpha1', 'Application', {
        namespace: h.appNamespace,
      });
      return left.length === 0 ? true : undefined;
    });
    assert.equal(await h.get('v1', 'ConfigMap', 'owned'), undefined);
    const web = await h.get('apps/v1', 'Deployment', 'owned');
    assert.ok(web === undefined || web.metadata.deletionTimestamp !== undefined, 'the Deployment is deleted');
    assert.deepEqual(await configMapData(h, 'survivor'), { v: '1' }, 'orphanOnDelete keeps the objects');
  });

  it('converges after being killed mid-sync, with nothing orphaned and nothing wrongly pruned', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const first = await h.publish({
      'base.yaml': [configMap('base', { v: '1' }), configMap('retired', { v: '1' })],
    });
    const name = h.uniqueName('crash');
    await h.createApp(name, { interval: '2s', syncPolicy: { prune: true } });
    await h.startController();
    await h.waitForApp(name, 'Ready at the first commit', readyAt(first));
    await h.stopController();

    // Wave 0 never becomes healthy (a pod that is never Ready), so the sync is sure to be under way,
    // wave 0 applied and wave 1 not, when the controller is killed.
    const wave = (n: number) => ({ 'mooring.dev/sync-wave': String(n) });
    const stuck = deployment('gate', 1, { 'mooring.dev/fault': 'not-ready' });
    stuck.metadata.annotations = wave(0);
    await h.publish({
      'base.yaml': [configMap('base', { v: '2' })],
      'wave0.yaml': [stuck, configMap('temporary', { v: '2' }, wave(0))],
      'wave1.yaml': [configMap('late', { v: '2' }, wave(1))],
    });
    const args = [
      cli(),
      'controller',
      '-n',
      h.appNamespace,
      // Only this test's Applications: without it the controller watches every namespace and acts on the
      // Applications of tests running beside this one (refusing them by this test's Project).
      '--app-namespace',
      h.appNamespace,
      '--kubeconfig',
      testCluster().kubeconfigPath,
      '--no-leader-elect',
      '--allow-file-repos',
    ];
    const child = spawn(
      process.execPath,
      [...args, '--webhook-port', '0', '--cache-dir', h.cacheDir, '--timeout', '60s', '--log-level', 'error'],
      {
        stdio: 'ignore',
      },
    );
    t.after(() => child.kill('SIGKILL'));
    await h.waitFor(
      'wave 0 applied',
      async () => ((await configMapData(h, 'temporary')) === undefined ? undefined : true),
      15_000,
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(await h.get('v1', 'ConfigMap', 'late'), undefined, 'killed before wave 1');

    // The fix drops the object the killed sync created: the restarted controller must still know it owns it.
    const fixed = await h.publish({ 'wave0.yaml': [deployment('gate', 1)] });
    await h.startController();
    const app = await h.waitForApp(name, 'Ready at the fix', readyAt(fixed), 20_000);

    assert.deepEqual(
      await trackedConfigMaps(h, name),
      ['base', 'late'],
      'retired and temporary pruned, nothing else',
    );
    assert.deepEqual(await configMapData(h, 'base'), { v: '2' });
    const inventory = new Set((app.status?.inventory ?? []).map((e) => e.id));
    const ns = h.destNamespace;
    assert.deepEqual(
      [...inventory].sort(),
      [`${ns}_base__ConfigMap`, `${ns}_gate_apps_Deployment`, `${ns}_late__ConfigMap`].sort(),
    );
    const deployments = await h.observer.list('apps/v1', 'Deployment', {
      namespace: ns,
      labelSelector: `${TRACKING_LABEL}=${name}`,
    });
    for (const d of deployments)
      assert.ok(
        inventory.has(`${ns}_${d.metadata.name}_apps_Deployment`),
        `${d.metadata.name} is in the inventory`,
      );
  });
});
