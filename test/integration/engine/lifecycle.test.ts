import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { TRACKING_ANNOTATION, TRACKING_LABEL } from '../../../src/plan/tracking.js';
import { actionsOf, assertSucceeded, configMap, deployment, engineHarness, idOf } from './harness.js';

/** Mooring's managedFields entry: its time moves only when Mooring writes. */
function mooringEntry(obj: KubeObject | undefined): unknown {
  return (obj?.metadata.managedFields as { manager?: string }[] | undefined)?.find(
    (e) => e.manager === 'mooring',
  );
}

describe('sync engine: create, re-apply, change, remove', () => {
  it('creates the objects with tracking label and annotation and records them in the inventory ConfigMap', async (t) => {
    const h = await engineHarness(t, 'create-app');
    await h.write('objects.yaml', [
      configMap('settings', { color: 'blue' }),
      deployment('web', { replicas: 1 }),
    ]);
    const result = await h.sync();
    assertSucceeded(result);
    assert.deepEqual(actionsOf(result), {
      [`ConfigMap/${h.namespace}/settings`]: 'created',
      [`Deployment/${h.namespace}/web`]: 'created',
    });
    for (const [apiVersion, kind, name, group] of [
      ['v1', 'ConfigMap', 'settings', ''],
      ['apps/v1', 'Deployment', 'web', 'apps'],
    ] as const) {
      const live = await h.get(apiVersion, kind, name);
      assert.ok(live !== undefined, `${kind}/${name} exists`);
      assert.equal(live.metadata.labels?.[TRACKING_LABEL], 'create-app');
      assert.equal(
        live.metadata.annotations?.[TRACKING_ANNOTATION],
        `create-app:${group}/${kind}:${h.namespace}/${name}`,
      );
    }
    assert.deepEqual(await h.inventoryIds(), [
      idOf(h.namespace, 'settings', '', 'ConfigMap'),
      idOf(h.namespace, 'web', 'apps', 'Deployment'),
    ]);
  });

  it('makes no write request and moves no resourceVersion when re-applying unchanged manifests', async (t) => {
    const h = await engineHarness(t, 'unchanged-app');
    await h.write('objects.yaml', [
      configMap('settings', { color: 'blue' }),
      deployment('web', { replicas: 2 }),
    ]);
    assertSucceeded(await h.sync());
    const before = await Promise.all([
      h.get('v1', 'ConfigMap', 'settings'),
      h.get('apps/v1', 'Deployment', 'web'),
      h.get('v1', 'ConfigMap', 'mooring-inventory-unchanged-app'),
    ]);
    const writesBefore = h.engine.client.stats.writes;

    const second = await h.sync();
    assertSucceeded(second);
    assert.equal(second.stats.writes, 0, `second sync wrote: ${JSON.stringify(second.stats.requests)}`);
    assert.equal(h.engine.client.stats.writes - writesBefore, 0);
    assert.ok(
      second.outcomes.every((o) => o.action === 'unchanged'),
      JSON.stringify(actionsOf(second)),
    );
    const after = await Promise.all([
      h.get('v1', 'ConfigMap', 'settings'),
      h.get('apps/v1', 'Deployment', 'web'),
      h.get('v1', 'ConfigMap', 'mooring-inventory-unchanged-app'),
    ]);
    // The Deployment's status moves as KWOK runs its pods; compare the spec generation and the ConfigMaps' versions.
    assert.equal(after[0]?.metadata.resourceVersion, before[0]?.metadata.resourceVersion);
    assert.equal(after[1]?.metadata.generation, before[1]?.metadata.generation);
    assert.deepEqual(mooringEntry(after[1]), mooringEntry(before[1]));
    assert.equal(after[2]?.metadata.resourceVersion, before[2]?.metadata.resourceVersion);
  });

  it('makes no write on re-apply for kinds the server fills in (Service, Secret stringData, CronJob, StatefulSet, ...)', async (t) => {
    const h = await engineHarness(t, 'kinds-app');
    await h.write(
      'kinds.yaml',
      await readFile(join(packageRoot(), 'test', 'fixtures', 'engine', 'common-kinds.yaml'), 'utf8'),
    );
    const first = await h.sync();
    assertSucceeded(first);
    assert.equal(first.outcomes.length, 9);
    const second = await h.sync();
    assertSucceeded(second);
    const changed = second.outcomes.filter((o) => o.action !== 'unchanged');
    assert.deepEqual(changed, [], 'every object is unchanged');
    assert.equal(second.stats.writes, 0, JSON.stringify(second.stats.requests));
  });

  it('configures exactly the object whose manifest changed, with one apply request', async (t) => {
    const h = await engineHarness(t, 'change-app');
    await h.write('a.yaml', configMap('a', { color: 'blue' }));
    await h.write('b.yaml', configMap('b', { size: 'small' }));
    await h.write('web.yaml', deployment('web', { replicas: 1 }));
    assertSucceeded(await h.sync());
    const versionA = (await h.get('v1', 'ConfigMap', 'a'))?.metadata.resourceVersion;
    const generationWeb = (await h.get('apps/v1', 'Deployment', 'web'))?.metadata.generation;

    await h.write('b.yaml', configMap('b', { size: 'large' }));
    const result = await h.sync();
    assertSucceeded(result);
    assert.deepEqual(actionsOf(result), {
      [`ConfigMap/${h.namespace}/a`]: 'unchanged',
      [`ConfigMap/${h.namespace}/b`]: 'configured',
      [`Deployment/${h.namespace}/web`]: 'unchanged',
    });
    assert.equal(result.stats.requests.apply, 1, JSON.stringify(result.stats.requests));
    assert.equal(result.stats.writes, 1);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'b'))?.data, { size: 'large' });
    assert.equal((await h.get('v1', 'ConfigMap', 'a'))?.metadata.resourceVersion, versionA);
    assert.equal((await h.get('apps/v1', 'Deployment', 'web'))?.metadata.generation, generationWeb);
  });

  it('prunes an object removed from Git only with prune on; without it the object stays, also in the inventory', async (t) => {
    const h = await engineHarness(t, 'remove-app');
    await h.write('a.yaml', configMap('a', { value: '1' }));
    await h.write('b.yaml', configMap('b', { value: '2' }));
    await h.write('c.yaml', configMap('c', { value: '3' }));
    assertSucceeded(await h.sync());
    const idC = idOf(h.namespace, 'c', '', 'ConfigMap');

    await h.remove('c.yaml');
    const kept = await h.sync({ prune: false });
    assertSucceeded(kept);
    assert.ok(await h.get('v1', 'ConfigMap', 'c'), 'without prune the object stays');
    assert.ok(
      (await h.inventoryIds())?.includes(idC),
      'and stays in the inventory, so a later pruning sync removes it',
    );

    const preview = await h.sync({ prune: true, dryRun: true });
    assert.equal(
      actionsOf(preview)[`ConfigMap/${h.namespace}/c`],
      'pruned',
      'a dry run shows what pruning would delete',
    );
    assert.equal(preview.stats.writes, 0);
    assert.ok(await h.get('v1', 'ConfigMap', 'c'));

    const pruned = await h.sync({ prune: true });
    assertSucceeded(pruned);
    assert.equal(actionsOf(pruned)[`ConfigMap/${h.namespace}/c`], 'pruned');
    assert.equal(await h.get('v1', 'ConfigMap', 'c'), undefined);
    assert.ok(await h.get('v1', 'ConfigMap', 'a'));
    assert.deepEqual(await h.inventoryIds(), [
      idOf(h.namespace, 'a', '', 'ConfigMap'),
      idOf(h.namespace, 'b', '', 'ConfigMap'),
    ]);
  });
});
