import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { MOORING_NAMESPACE } from '../../../src/install/install.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { configMap, deployment } from '../controller/harness.js';
import {
  adminObjects,
  condition,
  controllerAccount,
  freshCluster,
  GIT_PASSWORD,
  GIT_USER,
  install,
  servedRepo,
  startController,
  syncedAndHealthy,
  tempDir,
  waitForApp,
} from './harness.js';

const MANAGED = 'team-blue';
const UNMANAGED = 'team-red';

/** A copy of deploy/ whose namespaced mode manages MANAGED (managed-namespace.yaml adapted, as its README says). */
async function namespacedDeployDir(root: string): Promise<string> {
  const dir = join(root, 'deploy');
  await cp(join(packageRoot(), 'deploy'), dir, { recursive: true });
  for (const name of ['managed-namespace.yaml', 'project.yaml']) {
    const file = join(dir, 'rbac', 'namespaced', name);
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('team-a', MANAGED));
  }
  return dir;
}

async function createApp(
  admin: ObjectsApi,
  name: string,
  repoURL: string,
  destination: string,
): Promise<void> {
  await admin.create({
    apiVersion: MOORING_API_VERSION,
    kind: 'Application',
    metadata: { name, namespace: MOORING_NAMESPACE },
    spec: {
      source: { repoURL, ref: { branch: 'main' }, path: 'app', secretRef: { name: 'git-credentials' } },
      destination: { namespace: destination },
      syncPolicy: { prune: true },
      interval: '2s',
    },
  });
}

describe('mooring install --mode namespaced', () => {
  it('lets the service account manage its namespaces only, as their deployer, and refuses any other', async (t) => {
    const kubeconfig = await freshCluster(t, 'nsmode');
    const admin = adminObjects(t, kubeconfig);
    const root = await tempDir(t, 'install-namespaced');
    const installed = await install(admin, {
      mode: 'namespaced',
      deployDir: await namespacedDeployDir(root),
    });
    const kinds = (installed.planned ?? []).map((p) => `${p.ref.kind}/${p.ref.namespace}/${p.ref.name}`);
    assert.ok(kinds.includes(`Role/${MANAGED}/mooring-manager`), 'the managed namespace gets its Role');
    assert.ok(!kinds.some((k) => k.startsWith('ClusterRole')), 'no cluster-wide RBAC in namespaced mode');

    const { repoURL } = await servedRepo(t, root, {
      'app/objects.yaml': [configMap('settings', { color: 'blue' }), deployment('web', 2)],
    });
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: UNMANAGED } });
    await admin.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'git-credentials',
        namespace: MOORING_NAMESPACE,
        labels: { 'mooring.dev/credential-type': 'repository' },
      },
      stringData: { username: GIT_USER, password: GIT_PASSWORD, url: repoURL, insecureAllowHTTP: 'true' },
    });
    const asController = await controllerAccount(t, admin);
    const { logger } = await startController(t, asController, MOORING_NAMESPACE, join(root, 'cache'), [
      MANAGED,
    ]);

    await createApp(admin, 'allowed', repoURL, MANAGED);
    await createApp(admin, 'forbidden', repoURL, UNMANAGED);
    await waitForApp(
      admin,
      { namespace: MOORING_NAMESPACE, name: 'allowed' },
      'Synced and Healthy',
      syncedAndHealthy,
      logger,
    );
    const web = await admin.get('apps/v1', {
      group: 'apps',
      kind: 'Deployment',
      namespace: MANAGED,
      name: 'web',
    });
    assert.ok(web !== undefined, `the Deployment is in ${MANAGED}`);

    const refused = await waitForApp(
      admin,
      { namespace: MOORING_NAMESPACE, name: 'forbidden' },
      'refused by its Project',
      (app) => app.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'ProjectRefused',
      logger,
    );
    const message = refused.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    t.diagnostic(`status of an Application outside the managed namespaces: ${message}`);
    assert.match(message, new RegExp(`Project default does not allow destination namespace ${UNMANAGED}`));
    assert.equal(condition(refused, 'Ready'), 'False');
    const leaked = await admin.list('v1', 'ConfigMap', { namespace: UNMANAGED });
    assert.deepEqual(
      leaked.map((c) => c.metadata.name).filter((n) => n === 'settings'),
      [],
      `nothing written to ${UNMANAGED}`,
    );
  });
});
