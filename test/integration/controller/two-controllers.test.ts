import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster } from '../../helpers/kube.js';
import { configMap, configMapData, controllerHarness, readyAt } from './harness.js';
import type { ControllerHarness } from './harness.js';

interface Replica {
  child: ChildProcess;
  log: () => string;
}

function startReplica(h: ControllerHarness, id: string): Replica {
  const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(
    process.execPath,
    [
      cli,
      'controller',
      '-n',
      h.appNamespace,
      // Only this test's Applications: by default the CLI watches every namespace, and would reconcile
      // (and refuse, by its own Projects) the Applications of tests running beside this one.
      '--app-namespace',
      h.appNamespace,
      '--kubeconfig',
      testCluster().kubeconfigPath,
      '--webhook-port',
      '0',
      '--cache-dir',
      join(h.cacheDir, id),
      '--allow-file-repos',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MOORING_POD_NAME: id } },
  );
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return { child, log: () => log };
}

const exited = (child: ChildProcess): Promise<unknown> =>
  child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));

describe('controller: two replicas', () => {
  it('lets only the Lease holder act, and the other takes over when it stops', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const first = await h.publish({ 'settings.yaml': [configMap('settings', { v: '1' })] });
    const name = h.uniqueName('replicas');
    const a = startReplica(h, 'replica-a');
    await h.waitFor(
      'replica a leads',
      async () => (a.log().includes('controller started') ? true : undefined),
      15_000,
    );
    const b = startReplica(h, 'replica-b');
    t.after(async () => {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await Promise.all([exited(a.child), exited(b.child)]);
    });
    await h.waitFor(
      'replica b waits',
      async () => (b.log().includes('waiting to become leader') ? true : undefined),
      15_000,
    );

    await h.createApp(name);
    await h.waitForApp(name, 'synced by the leader', readyAt(first));
    assert.equal(b.log().includes('controller started'), false, 'the second replica never acted');
    assert.equal((await h.syncRecords(name)).length, 1, 'one sync, by one replica');

    a.child.kill('SIGTERM'); // graceful: finishes, then releases the Lease
    await exited(a.child);
    await h.waitFor(
      'replica b takes over',
      async () => (b.log().includes('controller started') ? true : undefined),
      15_000,
    );
    const second = await h.publish({ 'settings.yaml': [configMap('settings', { v: '2' })] });
    await h.waitForApp(name, 'synced by the new leader', readyAt(second), 20_000);
    assert.deepEqual(await configMapData(h, 'settings'), { v: '2' });
  });
});
