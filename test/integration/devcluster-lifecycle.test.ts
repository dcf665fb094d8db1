import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import type { ClusterState, ClusterStatus } from '../../src/devcluster/cluster.js';
import { isRunning } from '../../src/devcluster/processes.js';
import { portInUse } from '../../src/devcluster/ports.js';
import { findToolchain } from '../../src/devcluster/toolchain.js';
import { packageRoot } from '../../src/core/package-root.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

async function mooring(
  home: string,
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, MOORING_HOME: home },
      timeout: 180_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('mooring dev cluster', () => {
  it('starts a second cluster beside the test cluster, reports a dead component, and leaves nothing behind on down', async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'mooring-home-'));
    t.after(() => rm(home, { recursive: true, force: true }));
    const name = 'lifecycle';
    t.after(() => mooring(home, ['dev', 'cluster', 'down', '--name', name]));

    const started = Date.now();
    const up = await mooring(home, ['dev', 'cluster', 'up', '--name', name, '--nodes', '2', '-o', 'json']);
    assert.equal(up.code, 0, up.stderr);
    t.diagnostic(`warm start of a second cluster: ${Date.now() - started} ms`);
    const state = JSON.parse(up.stdout) as ClusterState;
    assert.equal(state.kubeconfig, join(home, 'clusters', name, 'kubeconfig'));
    assert.match(up.stderr, /etcd ready/, 'progress is shown per step');
    // Components start in parallel and each records its pid: the file must still be whole.
    const onDisk = JSON.parse(
      await readFile(join(home, 'clusters', name, 'state.json'), 'utf8'),
    ) as ClusterState;
    assert.deepEqual(Object.keys(onDisk.processes).sort(), [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
    ]);

    const found = findToolchain();
    assert.ok('toolchain' in found);
    const nodes = await run(found.toolchain.kubectl, [
      '--kubeconfig',
      state.kubeconfig,
      'get',
      'nodes',
      '--no-headers',
    ]);
    const lines = nodes.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) assert.match(line, /^kwok-node-\d+\s+Ready\s/);

    const again = await mooring(home, ['dev', 'cluster', 'up', '--name', name, '-o', 'json']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already running/);
    assert.equal((JSON.parse(again.stdout) as ClusterState).server, state.server, 'up is idempotent');

    const scheduler = state.processes['kube-scheduler'];
    assert.ok(scheduler);
    process.kill(scheduler.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const degraded = await mooring(home, ['dev', 'cluster', 'status', '--name', name, '-o', 'json']);
    assert.equal(degraded.code, 1, 'status exits non-zero when the cluster is not fully running');
    const status = JSON.parse(degraded.stdout) as ClusterStatus;
    assert.equal(status.state, 'degraded');
    const dead = status.components.find((c) => c.component === 'kube-scheduler');
    assert.equal(dead?.running, false);
    assert.ok((dead.logTail ?? '').length > 0, 'a dead component is reported with the tail of its log');

    const down = await mooring(home, ['dev', 'cluster', 'down', '--name', name]);
    assert.equal(down.code, 0, down.stderr);
    for (const proc of Object.values(state.processes))
      assert.equal(isRunning(proc), false, `${proc.binary} still runs`);
    for (const [which, port] of Object.entries(state.ports) as [string, number][]) {
      assert.equal(await portInUse(port), false, `port ${port} (${which}) still in use after down`);
    }
    const after = await mooring(home, ['dev', 'cluster', 'status', '--name', name]);
    assert.match(after.stdout, /stopped/);
  });

  it('refuses a cluster name that could escape its directory', async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'mooring-home-'));
    t.after(() => rm(home, { recursive: true, force: true }));
    const result = await mooring(home, ['dev', 'cluster', 'up', '--name', '../etc']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /invalid cluster name/);
    assert.match(result.stderr, /hint:/);
  });
});
