import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { job } from '../../helpers/manifests.js';
import { configMap, configMapData, controllerHarness, kubectl, readyAt } from './harness.js';
import type { ControllerHarness } from './harness.js';

/** A PostSync Job with generateName and the default delete policy (BeforeHookCreation): its run stays. */
function afterHook(): KubeObject {
  const object = job('unused', { annotations: { 'argocd.argoproj.io/hook': 'PostSync' } });
  const { name: _name, ...metadata } = object.metadata;
  return { ...object, metadata: { ...metadata, generateName: 'after-' } } as unknown as KubeObject;
}

const runs = async (h: ControllerHarness): Promise<string[]> =>
  (await h.observer.list('batch/v1', 'Job', { namespace: h.destNamespace }))
    .map((j) => j.metadata.name)
    .filter((name) => name.startsWith('after-'));

// The app also has an ordinary Job, so Jobs are watched and a deleted run reaches the live cache.
describe('controller: hooks with generateName', () => {
  it('runs them once per sync, replaces the previous run on the next commit, and never treats a run as drift', async (t) => {
    const h = await controllerHarness(t);
    const first = await h.publish({
      'app.yaml': [afterHook(), job('setup'), configMap('settings', { v: '1' })],
    });
    await h.createApp('web', { interval: '2s' });
    await h.waitForApp('web', 'Ready at the first commit', readyAt(first));
    const [firstRun, ...more] = await runs(h);
    assert.ok(firstRun !== undefined && more.length === 0, `one run: ${String(firstRun)} ${more.join(' ')}`);

    // Someone deletes the run and edits the app's ConfigMap: the edit is healed, the run is not re-created.
    await kubectl(['delete', 'job', firstRun, '-n', h.destNamespace, '--wait=true']);
    await kubectl(['patch', 'configmap', 'settings', '-n', h.destNamespace, '-p', '{"data":{"v":"hand"}}']);
    await h.waitFor(
      'the hand edit to be healed',
      async () => ((await configMapData(h, 'settings'))?.v === '1' ? true : undefined),
      15_000,
    );
    assert.deepEqual(await runs(h), [], 'a heal neither re-runs hooks nor restores a deleted run');
    const records = (await h.syncRecords('web')).map(
      (r) => r.spec as { trigger: string; objects: { subject: string; action: string }[] },
    );
    const heals = records.filter((r) => r.trigger === 'drift');
    assert.ok(heals.length > 0, JSON.stringify(records));
    for (const heal of heals)
      assert.deepEqual(
        heal.objects.map((o) => o.subject),
        [`ConfigMap/${h.destNamespace}/settings`],
        'only the edited object was healed; the deleted run was no drift',
      );

    const second = await h.publish({
      'app.yaml': [afterHook(), job('setup'), configMap('settings', { v: '2' })],
    });
    await h.waitForApp('web', 'Ready at the second commit', readyAt(second));
    const secondRuns = await runs(h);
    assert.equal(secondRuns.length, 1);
    assert.notEqual(secondRuns[0], firstRun);
    const app = await h.waitForApp('web', 'Ready', readyAt(second));
    assert.deepEqual(
      (app.status?.inventory ?? []).map((e) => e.id),
      [`${h.destNamespace}_settings__ConfigMap`, `${h.destNamespace}_setup_batch_Job`],
      'runs are never in the inventory',
    );
    assert.ok(
      (app.status?.resources ?? []).every((r) => r.kind !== 'Job' || r.name === 'setup'),
      'nor among the resources of the status',
    );
  });
});
