import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/controller/app-types.js';
import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { parseObjectId } from '../../../src/core/objects.js';
import {
  childApplications,
  credentialsSecretName,
  waitBootstrapped,
} from '../../../src/install/bootstrap.js';
import { MOORING_NAMESPACE } from '../../../src/install/install.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { configMap, deployment } from '../controller/harness.js';
import {
  adminObjects,
  controllerAccount,
  freshCluster,
  GIT_PASSWORD,
  GIT_USER,
  mooringCli,
  servedRepo,
  startController,
  syncedAndHealthy,
  tempDir,
} from './harness.js';

/** A child Application of the fleet: the folder apps/<name> into namespace <name>. */
function childApp(name: string, repoURL: string): KubeObject {
  return {
    apiVersion: MOORING_API_VERSION,
    kind: 'Application',
    metadata: { name },
    spec: {
      source: {
        repoURL,
        ref: { branch: 'main' },
        path: `apps/${name}`,
        secretRef: { name: credentialsSecretName('root') },
      },
      destination: { namespace: name },
      syncPolicy: { prune: true, createNamespace: true },
    },
  };
}

/** What a cluster holds for the fleet: every object the root and its Applications own, without cluster-made fields. */
async function fleetSnapshot(objects: ObjectsApi, apps: Application[]): Promise<unknown[]> {
  const snapshot: unknown[] = [];
  for (const app of apps) {
    for (const entry of app.status?.inventory ?? []) {
      const ref = parseObjectId(entry.id);
      assert.ok(ref !== undefined, entry.id);
      const live = await objects.get(entry.v, ref);
      assert.ok(live !== undefined, `${entry.id} of ${app.metadata.name} exists`);
      snapshot.push({
        app: app.metadata.name,
        kind: live.kind,
        namespace: live.metadata.namespace ?? '',
        name: live.metadata.name,
        labels: live.metadata.labels ?? {},
        content: live.data ?? live.spec ?? null,
      });
    }
  }
  return snapshot.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * A fresh cluster, `mooring bootstrap` as a subprocess, the controller in-process with its service
 * account's credentials; returns what the cluster holds once the fleet is Ready. The cluster is gone
 * when the subtest ends.
 */
async function bootstrapFreshCluster(t: TestContext, prefix: string, repoURL: string): Promise<unknown[]> {
  const kubeconfig = await freshCluster(t, prefix);
  const root = await tempDir(t, prefix);
  const env = { MOORING_GIT_USERNAME: GIT_USER, MOORING_GIT_PASSWORD: GIT_PASSWORD };
  const args = [
    'bootstrap',
    '--kubeconfig',
    kubeconfig,
    '--repo',
    repoURL,
    '--path',
    'apps/root',
    '--interval',
    '2s',
    '--insecure-allow-http',
  ];
  const first = await mooringCli(args, env);
  assert.match(first.stdout, /get applications -n mooring-system/, 'bootstrap says how to watch it');
  assert.ok(!`${first.stdout}${first.stderr}`.includes(GIT_PASSWORD), 'the password is never printed');

  const admin = adminObjects(t, kubeconfig);
  const secret = await admin.get('v1', {
    group: '',
    kind: 'Secret',
    namespace: MOORING_NAMESPACE,
    name: credentialsSecretName('root'),
  });
  assert.equal(
    Buffer.from(String((secret?.data as Record<string, string>).password), 'base64').toString(),
    GIT_PASSWORD,
  );

  const asController = await controllerAccount(t, admin);
  await startController(t, asController, MOORING_NAMESPACE, join(root, 'cache'));
  // A second bootstrap is harmless, and --wait returns once the root and both Applications are Ready.
  const waited = await mooringCli([...args, '--wait', '--timeout', '90s'], env);
  assert.match(waited.stdout, /3 Applications Ready: root, backend, frontend/);

  const names = await waitBootstrapped(admin, 'root', 5_000);
  const apps: Application[] = [];
  for (const name of names) {
    const app = (await admin.get(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: MOORING_NAMESPACE,
      name,
    })) as Application;
    assert.ok(syncedAndHealthy(app), `${name} is Synced and Healthy: ${app.status?.summary ?? ''}`);
    apps.push(app);
  }
  assert.deepEqual(childApplications(apps[names.indexOf('root')] as Application), ['backend', 'frontend']);
  return fleetSnapshot(admin, apps);
}

describe('mooring bootstrap', () => {
  it('builds a fresh cluster from Git alone, and rebuilds an identical one after a disaster', async (t) => {
    const root = await tempDir(t, 'bootstrap');
    const { repo, repoURL } = await servedRepo(t, root, {
      'apps/frontend/objects.yaml': [
        configMap('frontend-settings', { color: 'blue' }),
        deployment('frontend', 2),
      ],
      'apps/backend/objects.yaml': [
        configMap('backend-settings', { pool: '10' }),
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'backend' } },
      ],
    });
    // The Applications name the repository's URL, known once it is served.
    await repo.writeFile('apps/root/frontend.yaml', JSON.stringify(childApp('frontend', repoURL)));
    await repo.writeFile('apps/root/backend.yaml', JSON.stringify(childApp('backend', repoURL)));
    await repo.commit('the fleet: two apps');
    await repo.push('main');

    let before: unknown[] = [];
    await t.test('first cluster', async (st) => {
      before = await bootstrapFreshCluster(st, 'dr-a', repoURL);
    });
    const kinds = new Set(before.map((o) => (o as { kind: string }).kind));
    assert.deepEqual([...kinds].sort(), ['Application', 'ConfigMap', 'Deployment', 'ServiceAccount']);
    assert.equal(before.length, 6, 'two Applications and four objects');

    let after: unknown[] = [];
    await t.test('second cluster, after the first is gone', async (st) => {
      after = await bootstrapFreshCluster(st, 'dr-b', repoURL);
    });
    assert.deepEqual(after, before, 'the rebuilt cluster holds the same objects with the same content');
  });
});
