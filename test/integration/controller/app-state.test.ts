import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { configMap, controllerHarness, readyAt } from './harness.js';

describe('controller: per-app state', () => {
  it('keeps one state record per app and removes all of it when the Application is deleted', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({ 'app.yaml': [configMap('settings', { color: 'blue' })] });
    const name = h.uniqueName('state');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));
    const controller = h.controller;
    assert.ok(controller !== undefined);
    const key = `${h.appNamespace}/${name}`;
    const state = controller.stateOf(key);
    assert.ok(state !== undefined, 'the synced app has a state');
    assert.equal(state.memory.commit, sha);
    assert.equal(state.memory.planned.size, 1);
    assert.deepEqual(controller.tracked, { states: 1, trackingNames: 1 });

    await h.observer.delete('mooring.dev/v1alpha1', {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: h.appNamespace,
      name,
    });
    await h.waitFor('the Application gone (its objects pruned first)', async () =>
      (await h.observer.get('mooring.dev/v1alpha1', {
        group: 'mooring.dev',
        kind: 'Application',
        namespace: h.appNamespace,
        name,
      })) === undefined
        ? true
        : undefined,
    );
    await h.waitFor('the state removed', () =>
      Promise.resolve(controller.stateOf(key) === undefined ? true : undefined),
    );
    assert.deepEqual(controller.tracked, { states: 0, trackingNames: 0 }, 'nothing of the app is left');
    assert.equal(await h.get('v1', 'ConfigMap', 'settings'), undefined, 'pruned on delete');
  });
});
