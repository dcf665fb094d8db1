import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { configMap, configMapData, controllerHarness, kubectl, readyAt } from './harness.js';

function patchData(namespace: string, name: string, data: Record<string, string>): Promise<string> {
  return kubectl([
    'patch',
    `configmap/${name}`,
    '-n',
    namespace,
    '--type=merge',
    '-p',
    JSON.stringify({ data }),
  ]);
}

describe('controller: heal follows the apply rules of a full sync', () => {
  it('recreates a deleted create-only object, but never overwrites an edit to it or to an ssa: Merge one', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({
      'app.yaml': [
        configMap('seed', { password: 'from-git' }, { 'mooring.dev/apply': 'create-only' }),
        configMap('merged', { level: 'from-git' }, { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' }),
        configMap('guarded', { size: 'small' }),
      ],
    });
    const name = h.uniqueName('heal-rules');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));

    // Create-only still means "created when missing": a deleted one comes back from the heal.
    await kubectl(['delete', 'configmap/seed', '-n', h.destNamespace]);
    await h.waitFor('the create-only ConfigMap recreated', async () =>
      (await configMapData(h, 'seed'))?.password === 'from-git' ? true : undefined,
    );

    await patchData(h.destNamespace, 'seed', { password: 'rotated-by-hand' });
    await patchData(h.destNamespace, 'merged', { level: 'tuned-by-hand' });
    // The neighbour's drift comes after both edits on the same watch: once it is corrected, the heal has
    // seen the two edits too.
    await patchData(h.destNamespace, 'guarded', { size: 'large' });
    await h.waitFor('the neighbour corrected', async () =>
      (await configMapData(h, 'guarded'))?.size === 'small' ? true : undefined,
    );
    assert.deepEqual(await configMapData(h, 'seed'), { password: 'rotated-by-hand' }, 'create-only kept');
    assert.deepEqual(await configMapData(h, 'merged'), { level: 'tuned-by-hand' }, 'ssa: Merge kept');

    // The Event is recorded after the heal's write: wait for it rather than read once.
    const correctedNow = async (): Promise<string[]> =>
      (await h.events(name)).filter((e) => e.reason === 'DriftCorrected').map((e) => String(e.message));
    await h.waitFor('the DriftCorrected Event of the neighbour', async () =>
      (await correctedNow()).some((m) => m.includes('/guarded')) ? true : undefined,
    );
    const corrected = await correctedNow();
    assert.ok(
      corrected.some((m) => m.includes('/seed') && m.includes('recreated')),
      corrected.join('\n'),
    );
    assert.ok(
      !corrected.some((m) => m.includes('/seed') && m.includes('corrected')),
      `the edit to the create-only object was not corrected: ${corrected.join('\n')}`,
    );
    assert.ok(!corrected.some((m) => m.includes('/merged')), corrected.join('\n'));
    // A full sync keeps both edits too: heal and sync follow the same create-only and ssa: Merge rules
    // (intendedAction).
    await h.patchApp(name, {
      metadata: { annotations: { 'mooring.dev/sync-requested-at': new Date().toISOString() } },
    });
    await h.waitFor('a manual sync recorded', async () => {
      const records = await h.syncRecords(name);
      return records.some((r) => (r.spec as { trigger?: string }).trigger === 'manual') ? true : undefined;
    });
    assert.deepEqual(await configMapData(h, 'seed'), { password: 'rotated-by-hand' });
    assert.deepEqual(
      await configMapData(h, 'merged'),
      { level: 'tuned-by-hand' },
      'ssa: Merge kept by a sync',
    );
  });
});
