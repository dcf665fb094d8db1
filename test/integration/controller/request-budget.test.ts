import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { configMap, controllerHarness, deployment, kubectl, readyAt } from './harness.js';

const serviceAccount: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } };

describe('controller: API requests of a sync', () => {
  it('reads live state from its watches: a first sync into a new namespace reads nothing in it, a one-object change dry-runs and applies only that object, and an object someone changed is dry-run again', async (t) => {
    const h = await controllerHarness(t);
    const destination = h.uniqueName('budget');
    t.after(async () => {
      await kubectl(['delete', 'namespace', destination, '--wait=false']).catch(() => '');
    });
    const objects = (value: string): KubeObject[] => [
      serviceAccount,
      configMap('settings', { value }),
      configMap('limits', { size: 'small' }),
      deployment('web', 0),
    ];
    const first = await h.publish({ 'app.yaml': objects('v1') });
    const stats = h.controllerRequests();
    assert.ok(stats !== undefined);
    const name = h.uniqueName('budget');
    const before = stats.snapshot();
    await h.createApp(name, {
      destination: { namespace: destination },
      syncPolicy: { createNamespace: true },
    });
    await h.waitForApp(name, 'Ready', readyAt(first));
    const firstSync = delta(before, stats.snapshot());
    t.diagnostic(`first sync: ${JSON.stringify(firstSync)}`);
    assert.equal(firstSync.dryRun, 4, 'every object validated once');
    assert.equal(firstSync.get, 1, 'one read: whether the destination namespace exists');
    // At most the server's version (Helm's kubeVersion), asked once per connection: no discovery reload.
    assert.ok((firstSync.discovery ?? 0) <= 1, JSON.stringify(firstSync));
    // The only LISTs are the initial lists of the watches it starts (three kinds, repository credentials,
    // the health-checks ConfigMap), never a read for the sync.
    assert.equal(firstSync.list, firstSync.watch, JSON.stringify(firstSync));

    const second = await h.publish({ 'app.yaml': objects('v2') });
    const beforeChange = stats.snapshot();
    await h.waitForApp(name, 'Ready at the change', readyAt(second));
    const change = delta(beforeChange, stats.snapshot());
    t.diagnostic(`one change: ${JSON.stringify(change)}`);
    assert.equal(change.dryRun, 1, 'only the changed object is dry-run');
    assert.equal(change.apply, 1, 'only the changed object is applied');
    assert.equal(change.list, undefined, 'no LIST');
    assert.equal(change.get, undefined, 'no GET');
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'settings', destination))?.data, { value: 'v2' });

    // Someone edits an object; the heal puts it back. The next sync does not take it as unchanged.
    await kubectl([
      'patch',
      'configmap/limits',
      '-n',
      destination,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { size: 'large' } }),
    ]);
    await h.waitFor('the edit corrected', async () =>
      (await kubectlData(destination, 'limits')) === 'small' ? true : undefined,
    );
    const third = await h.publish({ 'app.yaml': objects('v3') });
    const beforeThird = stats.snapshot();
    await h.waitForApp(name, 'Ready at the third commit', readyAt(third));
    const afterDrift = delta(beforeThird, stats.snapshot());
    t.diagnostic(`change after a drift: ${JSON.stringify(afterDrift)}`);
    assert.equal(afterDrift.dryRun, 2, 'the changed object and the one edited since the last sync');
    assert.equal(afterDrift.apply, 1);
  });
});

async function kubectlData(namespace: string, name: string): Promise<string> {
  return kubectl(['get', `configmap/${name}`, '-n', namespace, '-o', 'jsonpath={.data.size}']);
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [verb, n] of Object.entries(after))
    if (n !== (before[verb] ?? 0)) out[verb] = n - (before[verb] ?? 0);
  return out;
}
