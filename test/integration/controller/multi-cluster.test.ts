/**
 * Multi-cluster destinations against three real clusters: the test cluster (where the controller, the
 * Applications and the cluster Secrets live, and the `in-cluster` destination) and two more started here.
 * The remote clusters are registered the way `mooring cluster add` does it (a least-rights ServiceAccount
 * there, its token in a labelled Secret here).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type { Application } from '../../../src/controller/app-types.js';
import type { KubeObject } from '../../../src/core/objects.js';
import {
  KWOK_STAGES_FILE,
  clusterDown,
  clusterUp,
  stopClusterProcesses,
} from '../../../src/devcluster/cluster.js';
import type { ClusterState } from '../../../src/devcluster/cluster.js';
import { componentArgs } from '../../../src/devcluster/component-args.js';
import { clusterLayout } from '../../../src/devcluster/layout.js';
import { startProcess, stopProcess } from '../../../src/devcluster/processes.js';
import type { ManagedProcess } from '../../../src/devcluster/processes.js';
import { MOORING_API_VERSION } from '../../../src/crd/common.js';
import { REMOTE_NAMESPACE, addCluster } from '../../../src/install/clusters.js';
import type { ClusterRow } from '../../../src/install/clusters.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster } from '../../helpers/kube.js';
import { KubeClient } from '../../../src/kube/client.js';
import { clusterConfigFromSecret } from '../../../src/kube/clusters.js';
import { connect } from '../../../src/kube/connect.js';
import { Discovery } from '../../../src/kube/discovery.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { ObjectsApi } from '../../../src/kube/objects-api.js';
import { TEST_DEPLOYER, condition, configMap, controllerHarness, toolchain } from './harness.js';

const WAIT_MS = 90_000;
const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

interface Remote {
  name: string;
  state: ClusterState;
  objects: ObjectsApi;
  home: string;
}

const ready = (app: Application): string => condition(app, 'Ready')?.message ?? '';

describe('multi-cluster destinations', () => {
  it('syncs apps to three clusters, heals drift on a remote one, and rides out a remote cluster that goes away', async (t) => {
    const h = await controllerHarness(t, { startController: false, clusterProbeIntervalMs: 300 });
    const home = await mkdtemp(join(tmpdir(), 'mooring-mc-'));
    const suffix = randomBytes(3).toString('hex');
    const remotes: Remote[] = [];
    const restarted: ManagedProcess[] = [];
    // One hook, in order: every process of both clusters is stopped (from the states in memory, which also
    // know nothing of the restarted API server) before their folder goes.
    t.after(async () => {
      for (const proc of restarted) await stopProcess(proc);
      for (const remote of remotes) {
        remote.objects.client.close();
        await stopClusterProcesses(remote.state);
      }
      for (const name of [`east-${suffix}`, `west-${suffix}`])
        await clusterDown(name, home).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    });
    for (const name of [`east-${suffix}`, `west-${suffix}`]) {
      const state = await clusterUp({ name, nodes: 1, home });
      remotes.push({ name, state, objects: connect({ kubeconfig: state.kubeconfig }), home });
    }
    const [east, west] = remotes as [Remote, Remote];

    // Register both as `mooring cluster add` does; a deployer on each is what the Project applies as.
    const webNamespace = `web-${suffix}`;
    for (const remote of remotes) {
      const secret = await addCluster(remote.objects, h.observer, {
        name: remote.name,
        mode: 'cluster',
        controllerNamespace: h.appNamespace,
      });
      assert.equal(secret.metadata.labels?.['mooring.dev/secret-type'], 'cluster');
      for (const obj of deployerObjects()) await remote.objects.apply(obj, { fieldManager: 'mooring-tests' });
      // The stored credentials read, but write nothing by themselves: every write is impersonated.
      const stored = clusterConfigFromSecret(
        (await h.observer.get('v1', {
          group: '',
          kind: 'Secret',
          namespace: h.appNamespace,
          name: secret.metadata.name,
        })) as KubeObject,
      );
      const client = new KubeClient(stored.access);
      t.after(() => {
        client.close();
      });
      const asController = new ObjectsApi(client, new Discovery(client));
      await asController.list('v1', 'ConfigMap', { namespace: 'default' });
      await assert.rejects(
        asController.create({
          ...configMap('planted', { a: '1' }),
          metadata: { name: 'planted', namespace: 'default' },
        }),
        (error: unknown) => error instanceof KubeApiError && error.httpStatus === 403,
      );
    }
    await h.observer.apply(
      {
        apiVersion: MOORING_API_VERSION,
        kind: 'Project',
        metadata: { name: 'fleet', namespace: h.appNamespace },
        spec: {
          sourceNamespaces: [h.appNamespace],
          sourceRepos: ['**'],
          destinations: [
            { namespace: h.destNamespace, serviceAccountName: `${h.appNamespace}/${TEST_DEPLOYER}` },
            ...remotes.map((r) => ({
              cluster: r.name,
              namespace: webNamespace,
              serviceAccountName: `${REMOTE_NAMESPACE}/deployer`,
            })),
          ],
        },
      },
      { fieldManager: 'mooring-tests' },
    );

    await h.publish({ 'settings.yaml': [configMap('settings', { version: 'one' })] });
    await h.startController();
    await h.createApp('local', { project: 'fleet' });
    for (const remote of remotes) {
      await h.createApp(remote.name, {
        project: 'fleet',
        destination: { cluster: remote.name, namespace: webNamespace },
        syncPolicy: { createNamespace: true },
      });
    }
    const names = ['local', east.name, west.name];
    for (const name of names)
      await h.waitForApp(name, 'Ready', (a) => condition(a, 'Ready')?.status === 'True', WAIT_MS);

    const settingsOn = async (objects: ObjectsApi, namespace: string): Promise<string | undefined> => {
      const cm = await objects.get('v1', { group: '', kind: 'ConfigMap', namespace, name: 'settings' });
      return (cm?.data as Record<string, string> | undefined)?.version;
    };
    assert.equal(await settingsOn(h.observer, h.destNamespace), 'one');
    assert.equal(await settingsOn(east.objects, webNamespace), 'one');
    assert.equal(await settingsOn(west.objects, webNamespace), 'one');
    assert.equal(
      await h.observer.get('v1', { group: '', kind: 'Namespace', namespace: '', name: webNamespace }),
      undefined,
      'nothing of a remote app lands on the local cluster',
    );

    await t.test('corrects drift on a remote cluster', async () => {
      await east.objects.mergePatch(
        'v1',
        { group: '', kind: 'ConfigMap', namespace: webNamespace, name: 'settings' },
        { data: { version: 'edited' } },
        { fieldManager: 'kubectl-edit' },
      );
      await h.waitFor(
        'east settings healed',
        async () => ((await settingsOn(east.objects, webNamespace)) === 'one' ? true : undefined),
        WAIT_MS,
      );
      const records = await h.syncRecords(east.name);
      assert.ok(
        records.some((r) => (r.spec as { trigger?: string }).trigger === 'drift'),
        'the heal is recorded as a drift sync of the east app',
      );
    });

    await t.test('a remote cluster that stops: its app says so, the others keep syncing', async () => {
      const apiserver = west.state.processes['kube-apiserver'];
      assert.ok(apiserver);
      await stopProcess(apiserver);
      const down = await h.waitForApp(
        west.name,
        'cluster unreachable',
        (a) => new RegExp(`cluster ${west.name} unreachable since \\d{4}-`).test(ready(a)),
        WAIT_MS,
      );
      assert.equal(condition(down, 'Ready')?.status, 'False');
      assert.notEqual(condition(down, 'Stalled')?.status, 'True', 'unreachable is transient, never Stalled');

      const two = await h.publish({ 'settings.yaml': [configMap('settings', { version: 'two' })] });
      for (const name of ['local', east.name])
        await h.waitForApp(
          name,
          'synced the second commit',
          (a) => a.status?.sync?.syncedRevision === two && condition(a, 'Ready')?.status === 'True',
          WAIT_MS,
        );
      assert.equal(await settingsOn(h.observer, h.destNamespace), 'two');
      assert.equal(await settingsOn(east.objects, webNamespace), 'two');
      const stillDown = await h.getApp(west.name);
      assert.match(ready(stillDown), new RegExp(`cluster ${west.name} unreachable since`));
      assert.equal(ready(stillDown), ready(down), 'the time it went away stays the same');

      // Restarted on the same ports, certificates and etcd: the app converges to the new commit.
      const layout = clusterLayout(west.name, west.home);
      restarted.push(
        startProcess(
          toolchain()['kube-apiserver'],
          componentArgs('kube-apiserver', layout, west.state.ports, KWOK_STAGES_FILE),
          join(layout.logs, 'kube-apiserver.log'),
        ),
      );
      await h.waitForApp(
        west.name,
        'converged after the cluster came back',
        (a) => a.status?.sync?.syncedRevision === two && condition(a, 'Ready')?.status === 'True',
        WAIT_MS,
      );
      assert.equal(await settingsOn(west.objects, webNamespace), 'two');
    });

    await t.test('mooring cluster list and remove', async () => {
      const base = ['--kubeconfig', testCluster().kubeconfigPath, '--controller-namespace', h.appNamespace];
      const list = await mooring(['cluster', 'list', '-o', 'json', ...base]);
      assert.equal(list.code, 0, list.stderr);
      const rows = JSON.parse(list.stdout) as ClusterRow[];
      assert.deepEqual(
        // Other tests run beside this one: only this test's Applications are compared.
        rows.map((r) => [r.name, r.reachable, r.apps.filter((a) => a.startsWith(`${h.appNamespace}/`))]),
        [
          ['in-cluster', true, [`${h.appNamespace}/local`]],
          [east.name, true, [`${h.appNamespace}/${east.name}`]],
          [west.name, true, [`${h.appNamespace}/${west.name}`]],
        ],
      );
      assert.match(rows[1]?.version ?? '', /^v1\.\d+/);
      assert.doesNotMatch(list.stdout, /token/i, 'no credential in the listing');

      const refused = await mooring(['cluster', 'remove', east.name, ...base]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, new RegExp(`cluster "${east.name}" is the destination of 1 Application`));
      const forced = await mooring(['cluster', 'remove', east.name, '--force', ...base]);
      assert.equal(forced.code, 0, forced.stderr);
      // Never the local cluster in its place: the app says its cluster is unknown.
      const orphan = await h.waitForApp(
        east.name,
        'cluster unknown',
        (a) => /destination cluster ".*" is not registered/.test(ready(a)),
        WAIT_MS,
      );
      assert.match(ready(orphan), new RegExp(east.name));
      assert.equal(
        await h.observer.get('v1', { group: '', kind: 'Namespace', namespace: '', name: webNamespace }),
        undefined,
      );
    });
  });
});

async function mooring(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** A ServiceAccount on a remote cluster bound to cluster-admin: what the test Project applies as there. */
function deployerObjects(): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: REMOTE_NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'mooring-test-deployer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: REMOTE_NAMESPACE }],
    },
  ];
}
