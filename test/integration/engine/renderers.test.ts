import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fieldAt } from '../../../src/core/objects.js';
import { TRACKING_LABEL } from '../../../src/plan/tracking.js';
import { assertSucceeded, engineHarness } from './harness.js';

describe('sync engine: renderers', () => {
  it('applies a Helm chart with a values file and a local dependency', async (t) => {
    const h = await engineHarness(t, 'helm-app');
    await h.copyFixture('helm');
    const result = await h.sync({
      source: h.source('web'),
      renderOptions: { helm: { releaseName: 'shop', valueFiles: ['values-prod.yaml'] } },
    });
    assertSucceeded(result);
    assert.deepEqual(result.outcomes.map((o) => o.subject).sort(), [
      `ConfigMap/${h.namespace}/shop-settings`,
      `Deployment/${h.namespace}/shop`,
      `ServiceAccount/${h.namespace}/shop-common`,
    ]);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'shop-settings'))?.data, { color: 'red' });
    assert.equal(fieldAt(await h.get('apps/v1', 'Deployment', 'shop'), ['spec', 'replicas']), 2);
    const account = await h.get('v1', 'ServiceAccount', 'shop-common');
    assert.equal(
      account?.metadata.labels?.[TRACKING_LABEL],
      'helm-app',
      'the dependency chart is part of the app',
    );
  });

  it('applies the dev and prod Kustomize overlays of one base as two apps', async (t) => {
    const h = await engineHarness(t, 'kustomize-dev');
    await h.copyFixture('kustomize');
    assertSucceeded(await h.sync({ source: h.source('overlays/dev') }));
    assertSucceeded(await h.sync({ source: h.source('overlays/prod'), appName: 'kustomize-prod' }));

    assert.equal(fieldAt(await h.get('apps/v1', 'Deployment', 'dev-web'), ['spec', 'replicas']), 1);
    const prod = await h.get('apps/v1', 'Deployment', 'prod-web');
    assert.equal(fieldAt(prod, ['spec', 'replicas']), 3);
    assert.equal(prod?.metadata.labels?.[TRACKING_LABEL], 'kustomize-prod');
    // The generated ConfigMap has a content hash in its name, and the Deployment refers to it.
    const envFrom = fieldAt(prod, [
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'envFrom',
      0,
      'configMapRef',
      'name',
    ]);
    assert.match(String(envFrom), /^prod-settings-[a-z0-9]+$/);
    assert.deepEqual((await h.get('v1', 'ConfigMap', String(envFrom)))?.data, { color: 'red' });
    const devInventory = await h.inventoryIds();
    assert.ok(
      devInventory?.every((id) => id.includes('_dev-')),
      `dev's inventory holds only dev objects: ${String(devInventory)}`,
    );
  });

  it('applies a Jsonnet program with a top-level argument, an external variable and a library path', async (t) => {
    const h = await engineHarness(t, 'jsonnet-app');
    await h.copyFixture('jsonnet');
    const result = await h.sync({
      source: h.source('app'),
      renderOptions: { jsonnet: { tlas: { replicas: '2' }, extVars: { env: 'prod' }, libPaths: ['lib'] } },
    });
    assertSucceeded(result);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'settings-prod'))?.data, { replicas: '2' });
    const web = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(fieldAt(web, ['spec', 'replicas']), 2);
    assert.equal(web?.metadata.labels?.['app.kubernetes.io/managed-by'], 'mooring');
  });
});
