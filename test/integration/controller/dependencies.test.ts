import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { condition, configMap, configMapData, controllerHarness, deployment, readyAt } from './harness.js';

describe('controller: dependsOn', () => {
  it('holds an app back until the app it depends on is Ready, then syncs it', async (t) => {
    const h = await controllerHarness(t);
    const notReady = { 'mooring.dev/fault': 'not-ready' };
    await h.publish({ 'api.yaml': [deployment('api', 1, notReady)] }, 'backend');
    await h.publish({ 'client.yaml': [configMap('client', { backend: 'api' })] }, 'frontend');
    const backend = h.uniqueName('backend');
    const frontend = h.uniqueName('frontend');
    await h.createApp(frontend, { dependsOn: [{ name: backend }] }, 'frontend');

    const missing = await h.waitForApp(frontend, 'waiting for a missing dependency', (app) =>
      (app.status?.summary ?? '').includes(`waiting for dependency ${backend}`),
    );
    assert.match(missing.status?.summary ?? '', /not found/);

    await h.createApp(backend, {}, 'backend');
    await h.waitForApp(
      backend,
      'synced but not Ready',
      (app) => app.status?.sync?.status === 'Synced' && condition(app, 'Ready')?.status === 'False',
    );
    const waiting = await h.waitForApp(
      frontend,
      'waiting for the dependency to become Ready',
      (app) =>
        (app.status?.summary ?? '').includes(`waiting for dependency ${backend}`) &&
        !(app.status?.summary ?? '').includes('not found'),
    );
    assert.equal(condition(waiting, 'Ready')?.status, 'False');
    assert.equal(
      condition(waiting, 'Stalled')?.status,
      'False',
      'waiting is not stalled: it resolves by itself',
    );
    assert.equal(
      await configMapData(h, 'client'),
      undefined,
      'nothing of the dependent is applied while it waits',
    );

    const fixed = await h.publish({ 'api.yaml': [deployment('api', 1)] }, 'backend');
    const ready = await h.waitForApp(backend, 'Ready once its pods are', readyAt(fixed));
    // Both apps follow one repository: the dependent syncs its folder at the same (latest) commit.
    const dependent = await h.waitForApp(frontend, 'Ready after its dependency', readyAt(fixed), 10_000);
    assert.deepEqual(await configMapData(h, 'client'), { backend: 'api' });
    const readySince = condition(ready, 'Ready')?.lastTransitionTime ?? '';
    assert.ok(
      (dependent.status?.lastSync?.startedAt ?? '') >= readySince,
      'the dependent synced after its dependency was Ready',
    );
    assert.equal(
      dependent.status?.lastSync?.trigger,
      'dependency',
      'the dependency becoming Ready triggered the sync',
    );
  });
});
