import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { git } from '../../../src/devgit/git-cli.js';
import { testCluster } from '../../helpers/kube.js';
import type { ControllerHarness } from './harness.js';
import { configMap, configMapData, controllerHarness, readyAt } from './harness.js';
import { neighbourPolled, startNeighbour } from './liveness.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function mooring(h: ControllerHarness, args: string[]): Promise<{ stdout: string }> {
  return run(
    process.execPath,
    [cli, ...args, '-n', h.appNamespace, '--kubeconfig', testCluster().kubeconfigPath],
    { timeout: 30_000 },
  );
}

/** Two commits: blue, then green; the app is synced at green. */
async function blueThenGreen(h: ControllerHarness, name: string): Promise<{ blue: string; green: string }> {
  const blue = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
  await h.createApp(name, { syncPolicy: { prune: true } });
  await h.waitForApp(name, 'synced at blue', readyAt(blue));
  const green = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'green' })] });
  await h.waitForApp(name, 'synced at green', readyAt(green));
  return { blue, green };
}

describe('controller: rollback the GitOps way', () => {
  it('commits a revert to the tracked branch where it may push, and the cluster follows', async (t) => {
    const h = await controllerHarness(t, { basicAuth: true, allowPush: true });
    const name = h.uniqueName('revert');
    const { blue, green } = await blueThenGreen(h, name);

    const { stdout } = await mooring(h, ['rollback', name]);
    assert.match(stdout, /rollback of .* to previous requested/);
    const app = await h.waitForApp(
      name,
      'synced at the revert commit',
      (a) =>
        a.status?.sync?.revision !== green &&
        a.status?.sync?.status === 'Synced' &&
        a.status.rolledBackRevision === green,
    );
    const head = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main']);
    assert.equal(app.status?.sync?.revision, head, 'the app follows the new head: the revert commit');
    assert.equal(app.status.sync.pinnedRevision, undefined, 'nothing is pinned when the revert was pushed');
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'blue' });
    const message = await git(h.repo.bareDir, ['log', '-1', '--format=%an|%s', 'refs/heads/main']);
    assert.equal(message, `Mooring|Roll back ${name} to ${blue.slice(0, 12)}`);
    const parent = await git(h.repo.bareDir, ['rev-parse', 'refs/heads/main^']);
    assert.equal(parent, green, 'the revert sits on top of the rolled-back commit: history is kept');
    await h.waitForEvent(name, 'RolledBack');
  });

  it('pins the revision visibly where it may not push, holds it against new commits, and unpin follows the branch', async (t) => {
    const h = await controllerHarness(t);
    const name = h.uniqueName('pin');
    const { blue, green } = await blueThenGreen(h, name);

    await mooring(h, ['rollback', name, '--to', blue]);
    const pinned = await h.waitForApp(
      name,
      'pinned to blue',
      (a) => a.status?.sync?.pinnedRevision === blue && a.status.sync.revision === blue,
    );
    assert.equal(pinned.status?.rolledBackRevision, green);
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'blue' });
    const { stdout: status } = await mooring(h, ['status', name]);
    assert.match(status, new RegExp(`pinned to ${blue.slice(0, 12)}; newer commits are not applied`));

    const neighbour = await startNeighbour(h, '2s');
    await h.publish({ 'settings.yaml': [configMap('settings', { color: 'red' })] });
    // Liveness first: a neighbour polled as often has picked up three commits since.
    const head = await neighbourPolled(h, neighbour);
    assert.deepEqual(
      await configMapData(h, 'settings'),
      { color: 'blue' },
      'a pinned app ignores new commits',
    );

    await mooring(h, ['unpin', name]);
    // The branch head is the neighbour's last commit now, on top of red.
    await h.waitForApp(name, 'synced at red after unpin', readyAt(head));
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'red' });
  });

  it('after unpin, never re-applies the commit that was rolled back', async (t) => {
    const h = await controllerHarness(t);
    const name = h.uniqueName('noreapply');
    const { blue, green } = await blueThenGreen(h, name);
    await mooring(h, ['rollback', name, '--to', blue]);
    await h.waitForApp(
      name,
      'pinned to blue',
      (a) => a.status?.sync?.pinnedRevision === blue && a.status.sync.revision === blue,
    );
    await mooring(h, ['unpin', name]);
    const app = await h.waitForApp(
      name,
      'waiting for a newer commit',
      (a) =>
        a.status?.sync?.pinnedRevision === undefined && (a.status?.summary ?? '').includes('was rolled back'),
    );
    assert.match(
      app.status?.summary ?? '',
      new RegExp(`${green.slice(0, 12)} was rolled back; waiting for a newer commit`),
    );
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'blue' });

    // The guard holds against polls, not against a person: a manual sync applies the commit anyway.
    await mooring(h, ['sync', name, '--wait']);
    await h.waitForApp(name, 'synced at green by hand', readyAt(green));
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'green' });
  });

  it('applies a newer commit after a rollback, and the guard names only the rolled-back commit', async (t) => {
    const h = await controllerHarness(t);
    const name = h.uniqueName('newer');
    const { blue } = await blueThenGreen(h, name);
    await mooring(h, ['rollback', name, '--to', blue]);
    await h.waitForApp(
      name,
      'pinned to blue',
      (a) => a.status?.sync?.pinnedRevision === blue && a.status.sync.revision === blue,
    );
    await mooring(h, ['unpin', name]);
    await h.waitForApp(name, 'waiting for a newer commit', (a) =>
      (a.status?.summary ?? '').includes('was rolled back'),
    );
    const fixed = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'teal' })] });
    const app = await h.waitForApp(name, 'synced at the fix', readyAt(fixed));
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'teal' });
    assert.ok(!(app.status?.summary ?? '').includes('rolled back'), app.status?.summary);
  });
});
