import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import { RECORD_APP_LABEL } from '../../../src/controller/records.js';
import { pollUntil } from '../../../src/core/wait.js';
import { INSTALL_APP_NAME, MOORING_NAMESPACE } from '../../../src/install/install.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { configMap, deployment, kubectl } from '../controller/harness.js';
import {
  adminObjects,
  controllerAccount,
  GIT_PASSWORD,
  GIT_USER,
  install,
  releaseApplicationsAtEnd,
  servedRepo,
  startController,
  syncedAndHealthy,
  tempDir,
  waitForApp,
  whoAmI,
  yamlStream,
} from './harness.js';
import { crdFiles } from '../../../src/crd/generate.js';

const crdRef = (name: string) => ({
  group: 'apiextensions.k8s.io',
  kind: 'CustomResourceDefinition',
  namespace: '',
  name,
});

describe('mooring install', () => {
  it('installs CRDs, RBAC and the controller, and a second install writes nothing', async (t) => {
    const admin = adminObjects(t, testCluster().kubeconfigPath);
    const first = await install(admin);
    // Every generated CRD, plus the 12 objects of the controller itself (namespace, RBAC, Deployment...).
    const expected = crdFiles().length + 12;
    assert.equal(first.planned?.length, expected, `cluster mode renders ${expected} install objects`);

    const second = await install(admin);
    assert.equal(second.stats.writes, 0, 'a repeated install sends no write');
    assert.deepEqual(
      [...new Set(second.outcomes.map((o) => o.action))],
      ['unchanged'],
      'every object is reported unchanged',
    );

    for (const name of ['applications.mooring.dev', 'syncrecords.mooring.dev']) {
      const crd = await admin.get('apiextensions.k8s.io/v1', crdRef(name));
      const established = (
        crd?.status as { conditions?: { type: string; status: string }[] } | undefined
      )?.conditions?.find((c) => c.type === 'Established');
      assert.equal(established?.status, 'True', `${name} is Established`);
    }
    const exists = async (
      apiVersion: string,
      kind: string,
      namespace: string,
      name: string,
    ): Promise<boolean> => {
      const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
      return (await admin.get(apiVersion, { group, kind, namespace, name })) !== undefined;
    };
    assert.ok(await exists('v1', 'ServiceAccount', MOORING_NAMESPACE, 'mooring-controller'));
    assert.ok(await exists('rbac.authorization.k8s.io/v1', 'ClusterRole', '', 'mooring-controller'));
    assert.ok(await exists('rbac.authorization.k8s.io/v1', 'Role', MOORING_NAMESPACE, 'mooring-controller'));
    assert.ok(
      await exists(MOORING_API_VERSION, 'Project', MOORING_NAMESPACE, 'default'),
      'the default Project',
    );
    assert.ok(await exists('v1', 'ServiceAccount', MOORING_NAMESPACE, 'mooring-deployer'));
    assert.ok(
      await exists('v1', 'ConfigMap', MOORING_NAMESPACE, `mooring-inventory-${INSTALL_APP_NAME}`),
      'the install keeps an inventory',
    );
  });

  it('gives the controller service account enough RBAC to sync, record, heal and prune as the default deployer', async (t) => {
    const admin = adminObjects(t, testCluster().kubeconfigPath);
    await install(admin);
    const root = await tempDir(t, 'install-rbac');
    const { repo, repoURL } = await servedRepo(t, root, {
      'app/objects.yaml': [configMap('settings', { color: 'blue' }), deployment('web', 2)],
    });
    const appNamespace = await testNamespace(t);
    releaseApplicationsAtEnd(t, admin, appNamespace);
    const destination = `inst-${randomBytes(3).toString('hex')}`;
    t.after(async () => {
      await admin
        .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: destination })
        .catch(() => undefined);
    });
    await admin.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'git-credentials',
        namespace: appNamespace,
        labels: { 'mooring.dev/credential-type': 'repository' },
      },
      stringData: { username: GIT_USER, password: GIT_PASSWORD, url: repoURL, insecureAllowHTTP: 'true' },
    });

    // A Project like the default one (applied as the installed mooring-deployer) for the test's namespace.
    const project = `inst-${randomBytes(3).toString('hex')}`;
    await admin.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'Project',
      metadata: { name: project, namespace: MOORING_NAMESPACE },
      spec: {
        sourceNamespaces: [appNamespace],
        sourceRepos: [repoURL],
        destinations: [
          { namespace: destination, serviceAccountName: `${MOORING_NAMESPACE}/mooring-deployer` },
        ],
      },
    });
    t.after(async () => {
      await admin
        .delete(MOORING_API_VERSION, {
          group: 'mooring.dev',
          kind: 'Project',
          namespace: MOORING_NAMESPACE,
          name: project,
        })
        .catch(() => undefined);
    });

    const asController = await controllerAccount(t, admin);
    assert.equal(await whoAmI(asController), `system:serviceaccount:${MOORING_NAMESPACE}:mooring-controller`);
    const { logger } = await startController(
      t,
      asController,
      MOORING_NAMESPACE,
      join(root, 'cache'),
      undefined,
      [appNamespace],
    );
    await admin.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'Application',
      metadata: { name: 'web', namespace: appNamespace },
      spec: {
        project,
        source: { repoURL, ref: { branch: 'main' }, path: 'app', secretRef: { name: 'git-credentials' } },
        destination: { namespace: destination },
        syncPolicy: { prune: true, createNamespace: true },
        interval: '2s',
      },
    });
    const appRef = { namespace: appNamespace, name: 'web' };
    const synced = await waitForApp(admin, appRef, 'Synced and Healthy', syncedAndHealthy, logger);
    const inventory = (synced.status?.inventory ?? []).map((e) => e.id).sort();
    assert.equal(synced.status?.sync?.revision, await repo.head());
    assert.deepEqual(inventory, [`${destination}_settings__ConfigMap`, `${destination}_web_apps_Deployment`]);
    const records = await admin.list(MOORING_API_VERSION, 'SyncRecord', {
      namespace: appNamespace,
      labelSelector: `${RECORD_APP_LABEL}=web`,
    });
    assert.equal(records.length, 1, 'one SyncRecord for the first sync');
    assert.equal((records[0]?.spec as { result?: string }).result, 'Succeeded');

    const webRef = { group: 'apps', kind: 'Deployment', namespace: destination, name: 'web' };
    await kubectl(['scale', 'deployment/web', '--replicas=5', '-n', destination]);
    await pollUntil(
      async () => {
        const live = await admin.get('apps/v1', webRef);
        return (live?.spec as { replicas?: number } | undefined)?.replicas === 2 ? true : undefined;
      },
      { timeoutMs: 15_000, what: 'the controller to scale web back to 2 replicas' },
    );

    await repo.writeFile('app/objects.yaml', yamlStream([deployment('web', 2)]));
    const removal = await repo.commit('remove settings');
    await repo.push('main');
    await waitForApp(
      admin,
      appRef,
      'synced at the removal commit',
      (app) => app.status?.sync?.revision === removal && syncedAndHealthy(app),
      logger,
    );
    const settings = await admin.get('v1', {
      group: '',
      kind: 'ConfigMap',
      namespace: destination,
      name: 'settings',
    });
    assert.equal(settings, undefined, 'the ConfigMap removed from Git was pruned');
  });
});
