import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HANDOVER_ANNOTATION } from '../../../src/plan/ownership.js';
import { TRACKING_ANNOTATION } from '../../../src/plan/tracking.js';
import { actionsOf, assertSucceeded, configMap, engineHarness, idOf } from './harness.js';

describe('sync engine: pruning', () => {
  it('leaves objects that opt out of pruning (Mooring, Argo CD and Flux annotations) and drops them from the inventory', async (t) => {
    const h = await engineHarness(t, 'optout-app');
    const optOuts = {
      'keep-mooring': { 'mooring.dev/prune': 'disabled' },
      'keep-argo': { 'argocd.argoproj.io/sync-options': 'Prune=false' },
      'keep-flux': { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
    };
    for (const [name, annotations] of Object.entries(optOuts))
      await h.write(`${name}.yaml`, configMap(name, { value: name }, annotations));
    for (const name of ['a', 'b', 'c', 'd']) await h.write(`${name}.yaml`, configMap(name, { value: name }));
    assertSucceeded(await h.sync({ prune: true }));

    for (const name of Object.keys(optOuts)) await h.remove(`${name}.yaml`);
    const result = await h.sync({ prune: true });
    assertSucceeded(result);
    const actions = actionsOf(result);
    for (const name of Object.keys(optOuts)) {
      assert.equal(
        actions[`ConfigMap/${h.namespace}/${name}`],
        'orphaned',
        `${name}: ${JSON.stringify(result.outcomes)}`,
      );
      assert.ok(await h.get('v1', 'ConfigMap', name), `${name} survives`);
    }
    // As src/apply/prune.ts documents: left in place and dropped from the inventory (Mooring no longer owns it).
    assert.deepEqual(
      await h.inventoryIds(),
      ['a', 'b', 'c', 'd'].map((name) => idOf(h.namespace, name, '', 'ConfigMap')),
    );
  });

  it('never prunes an object that another app has taken over', async (t) => {
    const h = await engineHarness(t, 'first-app');
    for (const name of ['mine', 'other', 'shared'])
      await h.write(`${name}.yaml`, configMap(name, { owner: 'first' }));
    assertSucceeded(await h.sync({ prune: true }));
    // The first app hands the shared ConfigMap over; the second app applies it and its tracking annotation
    // now names that app. (Without the handover, the second app is refused: test/integration/security.)
    await h.write(
      'shared.yaml',
      configMap('shared', { owner: 'first' }, { [HANDOVER_ANNOTATION]: 'second-app' }),
    );
    assertSucceeded(await h.sync({ prune: true }));
    const second = await engineHarness(t, 'second-app');
    await second.write('shared.yaml', configMap('shared', { owner: 'second' }));
    assertSucceeded(await second.sync({ namespace: h.namespace }));
    const shared = await h.get('v1', 'ConfigMap', 'shared');
    assert.equal(
      shared?.metadata.annotations?.[TRACKING_ANNOTATION],
      `second-app:/ConfigMap:${h.namespace}/shared`,
    );

    await h.remove('shared.yaml');
    const result = await h.sync({ prune: true });
    assertSucceeded(result);
    const outcome = result.outcomes.find((o) => o.subject === `ConfigMap/${h.namespace}/shared`);
    assert.equal(outcome?.action, 'orphaned');
    assert.match(outcome.message ?? '', /second-app/);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'shared'))?.data, { owner: 'second' });
  });

  it('refuses to prune 3 of 4 objects, naming them and deleting nothing, unless mass pruning is allowed', async (t) => {
    const h = await engineHarness(t, 'brake-app');
    for (const name of ['a', 'b', 'c', 'd']) await h.write(`${name}.yaml`, configMap(name, { value: name }));
    assertSucceeded(await h.sync({ prune: true }));
    for (const name of ['b', 'c', 'd']) await h.remove(`${name}.yaml`);

    const refused = await h.sync({ prune: true });
    assert.equal(refused.error?.step, 'plan');
    for (const name of ['b', 'c', 'd'])
      assert.match(refused.error.message, new RegExp(`ConfigMap/${h.namespace}/${name}\\b`));
    assert.equal(refused.stats.writes, 0);
    for (const name of ['a', 'b', 'c', 'd'])
      assert.ok(await h.get('v1', 'ConfigMap', name), `${name} still exists`);
    assert.equal((await h.inventoryIds())?.length, 4);

    const allowed = await h.sync({ prune: true, allowMassPrune: true });
    assertSucceeded(allowed);
    for (const name of ['b', 'c', 'd']) assert.equal(await h.get('v1', 'ConfigMap', name), undefined);
    assert.deepEqual(await h.inventoryIds(), [idOf(h.namespace, 'a', '', 'ConfigMap')]);
  });
});
