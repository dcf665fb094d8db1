/**
 * Ownership between applications on the real cluster (issue 7, class 7): an app may not take over or prune
 * another app's object unless it is handed over explicitly, and may not overwrite or forge a push-mode
 * inventory. Push-mode engine first, then the controller (both apps hear of a conflict).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { INVENTORY_LABEL, inventoryConfigMapName } from '../../../src/apply/inventory-store.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { HANDOVER_ANNOTATION } from '../../../src/plan/ownership.js';
import { TRACKING_ANNOTATION } from '../../../src/plan/tracking.js';
import { condition, controllerHarness, readyAt } from '../controller/harness.js';
import { actionsOf, assertSucceeded, configMap, engineHarness, idOf, job } from '../engine/harness.js';
import type { EngineHarness } from '../engine/harness.js';

/** The live ConfigMap `name` in `h`'s namespace; fails when it does not exist. */
async function liveConfigMap(h: EngineHarness, name: string): Promise<KubeObject> {
  const live = await h.get('v1', 'ConfigMap', name);
  assert.ok(live, `ConfigMap ${name} exists`);
  return live;
}

describe('security: ownership between applications (push mode)', () => {
  it("refuses app B that includes app A's object; A's object is untouched and A still syncs", async (t) => {
    const a = await engineHarness(t, 'owner-a');
    await a.write('shared.yaml', configMap('shared', { owner: 'a' }));
    assertSucceeded(await a.sync({ prune: true }));
    const before = await liveConfigMap(a, 'shared');

    const b = await engineHarness(t, 'taker-b');
    await b.write('own.yaml', configMap('b-own', { owner: 'b' }));
    await b.write('shared.yaml', configMap('shared', { owner: 'b' }));
    for (const dryRun of [true, false]) {
      const refused = await b.sync({ namespace: a.namespace, prune: true, dryRun });
      assert.equal(refused.error?.step, 'validate', JSON.stringify(refused.error));
      assert.match(
        refused.error.message,
        new RegExp(
          `ConfigMap/${a.namespace}/shared is tracked by application "owner-a"; application "taker-b" may not take it over.*nothing was applied`,
        ),
      );
      assert.match(refused.error.hint ?? '', /mooring\.dev\/handover-to: taker-b/);
      assert.deepEqual(refused.conflicts, [{ subject: `ConfigMap/${a.namespace}/shared`, owner: 'owner-a' }]);
      assert.equal(refused.stats.writes, 0, 'nothing written');
    }
    const after = await liveConfigMap(a, 'shared');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'A’s object untouched');
    assert.deepEqual(after.data, { owner: 'a' });
    assert.equal(await a.get('v1', 'ConfigMap', 'b-own'), undefined, 'nothing of B applied');
    assert.equal(
      await a.get('v1', 'ConfigMap', inventoryConfigMapName('taker-b')),
      undefined,
      'no inventory for B',
    );

    await a.write('shared.yaml', configMap('shared', { owner: 'a', version: '2' }));
    assertSucceeded(await a.sync({ prune: true }));
    assert.deepEqual((await liveConfigMap(a, 'shared')).data, { owner: 'a', version: '2' });
  });

  it("refuses a hook that would replace another app's object and a shared cluster-scoped object, listing both", async (t) => {
    const a = await engineHarness(t, 'variants-a');
    const roleName = `${a.namespace}-reader`;
    t.after(() => a.kubectl(['delete', 'clusterrole', roleName, '--ignore-not-found']));
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: roleName },
      rules: [],
    };
    await a.write('job.yaml', job('migrate'));
    await a.write('role.yaml', role);
    assertSucceeded(await a.sync());
    const jobBefore = await a.get('batch/v1', 'Job', 'migrate');
    const roleBefore = await a.get('rbac.authorization.k8s.io/v1', 'ClusterRole', roleName, '');
    assert.ok(jobBefore && roleBefore);

    const b = await engineHarness(t, 'variants-b');
    // A PreSync hook is deleted and created again: it would delete A's Job.
    await b.write('hook.yaml', job('migrate', { annotations: { 'mooring.dev/hook': 'PreSync' } }));
    await b.write('role.yaml', {
      ...role,
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    });
    const refused = await b.sync({ namespace: a.namespace });
    assert.equal(refused.error?.step, 'validate', JSON.stringify(refused.error));
    assert.match(refused.error.message, /\(and 1 more shared objects\); nothing was applied/);
    assert.deepEqual(
      refused.conflicts?.map((c) => c.subject).sort(),
      [`ClusterRole/${roleName}`, `Job/${a.namespace}/migrate`].sort(),
    );
    assert.equal(refused.stats.writes, 0);
    const jobAfter = await a.get('batch/v1', 'Job', 'migrate');
    assert.equal(jobAfter?.metadata.uid, jobBefore.metadata.uid, 'the Job was not deleted and recreated');
    const roleAfter = await a.get('rbac.authorization.k8s.io/v1', 'ClusterRole', roleName, '');
    assert.equal(roleAfter?.metadata.resourceVersion, roleBefore.metadata.resourceVersion);
    assert.deepEqual(roleAfter?.rules ?? [], []);
  });

  it('hands an object over: B takes it, A drops it without deleting it, and only B prunes it later', async (t) => {
    const a = await engineHarness(t, 'giver-a');
    for (const name of ['shared', 'a-own']) await a.write(`${name}.yaml`, configMap(name, { owner: 'a' }));
    assertSucceeded(await a.sync({ prune: true }));
    const b = await engineHarness(t, 'receiver-b');
    for (const name of ['shared', 'b-own']) await b.write(`${name}.yaml`, configMap(name, { owner: 'b' }));
    const bSync = (): ReturnType<EngineHarness['sync']> => b.sync({ namespace: a.namespace, prune: true });
    assert.equal((await bSync()).error?.step, 'validate', 'refused before the handover');

    // A's manifests name the one app that may take the object.
    await a.write(
      'shared.yaml',
      configMap('shared', { owner: 'a' }, { [HANDOVER_ANNOTATION]: 'receiver-b' }),
    );
    assertSucceeded(await a.sync({ prune: true }));
    // Another app is still refused: the handover names B only.
    const c = await engineHarness(t, 'other-c');
    await c.write('shared.yaml', configMap('shared', { owner: 'c' }));
    assert.equal((await c.sync({ namespace: a.namespace })).error?.step, 'validate');

    const taken = await bSync();
    assertSucceeded(taken);
    assert.ok(
      taken.warnings.some((w) => w.includes('taken over from application "giver-a"')),
      taken.warnings.join('; '),
    );
    const shared = await liveConfigMap(a, 'shared');
    assert.equal(
      shared.metadata.annotations?.[TRACKING_ANNOTATION],
      `receiver-b:/ConfigMap:${a.namespace}/shared`,
    );
    assert.equal(
      shared.metadata.annotations[HANDOVER_ANNOTATION],
      undefined,
      'B’s apply dropped A’s handover',
    );
    assert.deepEqual(shared.data, { owner: 'b' });

    // A still lists it (with the handover): it neither applies nor owns it any more, and deletes nothing.
    const dropped = await a.sync({ prune: true });
    assertSucceeded(dropped);
    const outcome = dropped.outcomes.find((o) => o.subject === `ConfigMap/${a.namespace}/shared`);
    assert.equal(outcome?.action, 'orphaned');
    assert.match(outcome.message ?? '', /handed over to application "receiver-b"/);
    assert.deepEqual(await a.inventoryIds(), [idOf(a.namespace, 'a-own', '', 'ConfigMap')]);
    const untouched = await liveConfigMap(a, 'shared');
    assert.equal(untouched.metadata.resourceVersion, shared.metadata.resourceVersion);

    // A removes it from Git: not A's to prune.
    await a.remove('shared.yaml');
    assertSucceeded(await a.sync({ prune: true }));
    assert.ok(await a.get('v1', 'ConfigMap', 'shared'), 'A does not prune what it handed over');

    // B, the owner now, removes it from Git: B prunes it.
    await b.remove('shared.yaml');
    const pruned = await bSync();
    assertSucceeded(pruned);
    assert.equal(actionsOf(pruned)[`ConfigMap/${a.namespace}/shared`], 'pruned');
    assert.equal(await a.get('v1', 'ConfigMap', 'shared'), undefined);
    assert.ok(await a.get('v1', 'ConfigMap', 'a-own'));
  });

  it('accepts a handover set on the live object by hand; the old owner is then the one refused until it lets go', async (t) => {
    const a = await engineHarness(t, 'old-owner');
    await a.write('x.yaml', configMap('x', { owner: 'a' }));
    await a.write('a-own.yaml', configMap('a-own', { owner: 'a' }));
    assertSucceeded(await a.sync({ prune: true }));
    await a.kubectl(['annotate', '-n', a.namespace, 'configmap', 'x', `${HANDOVER_ANNOTATION}=new-owner`]);

    const b = await engineHarness(t, 'new-owner');
    await b.write('x.yaml', configMap('x', { owner: 'b' }));
    assertSucceeded(await b.sync({ namespace: a.namespace }));
    assert.deepEqual((await liveConfigMap(a, 'x')).data, { owner: 'b' });

    // A still defines x without handing it over: now A is refused, naming B, and changes nothing.
    const refused = await a.sync({ prune: true });
    assert.equal(refused.error?.step, 'validate');
    assert.match(
      refused.error.message,
      /is tracked by application "new-owner"; application "old-owner" may not take it over/,
    );
    assert.deepEqual((await liveConfigMap(a, 'x')).data, { owner: 'b' });
    // A lets go (removes it from Git): A syncs again, and x stays B's.
    await a.remove('x.yaml');
    assertSucceeded(await a.sync({ prune: true }));
    assert.deepEqual((await liveConfigMap(a, 'x')).data, { owner: 'b' });
    assert.deepEqual(await a.inventoryIds(), [idOf(a.namespace, 'a-own', '', 'ConfigMap')]);
  });

  it('never prunes an object whose tracking id names another app, even one whose name starts like its own', async (t) => {
    const a = await engineHarness(t, 'prune-a');
    for (const name of ['keep', 'renamed', 'prefixed', 'copied'])
      await a.write(`${name}.yaml`, configMap(name, { owner: 'a' }));
    assertSucceeded(await a.sync({ prune: true }));
    // Tracking rewritten by hand (kubectl): another app, an app whose name extends this one, a copy's id.
    const retrack = async (name: string, id: string): Promise<void> => {
      await a.kubectl([
        'annotate',
        '-n',
        a.namespace,
        'configmap',
        name,
        '--overwrite',
        `${TRACKING_ANNOTATION}=${id}`,
      ]);
    };
    await retrack('renamed', `prune-b:/ConfigMap:${a.namespace}/renamed`);
    await retrack('prefixed', `prune-a2:/ConfigMap:${a.namespace}/prefixed`);
    await retrack('copied', `prune-a:/ConfigMap:${a.namespace}/keep`);
    for (const name of ['renamed', 'prefixed', 'copied']) await a.remove(`${name}.yaml`);

    const result = await a.sync({ prune: true, allowMassPrune: true });
    assertSucceeded(result);
    for (const name of ['renamed', 'prefixed', 'copied']) {
      assert.equal(actionsOf(result)[`ConfigMap/${a.namespace}/${name}`], 'orphaned', name);
      assert.ok(await a.get('v1', 'ConfigMap', name), `${name} survives`);
    }
    assert.deepEqual(await a.inventoryIds(), [idOf(a.namespace, 'keep', '', 'ConfigMap')]);
  });
});

describe('security: push-mode inventories', () => {
  it("refuses an app whose manifests contain another app's inventory ConfigMap, or any inventory name", async (t) => {
    const a = await engineHarness(t, 'inv-a');
    await a.write('cm.yaml', configMap('a-own', { owner: 'a' }));
    assertSucceeded(await a.sync({ prune: true }));
    const inventoryName = inventoryConfigMapName('inv-a');
    const before = await liveConfigMap(a, inventoryName);

    const b = await engineHarness(t, 'inv-b');
    for (const name of [inventoryName, inventoryConfigMapName('not-yet-an-app')]) {
      await b.remove('');
      await b.write('forged.yaml', configMap(name, { 'inventory.json': '{"app":"inv-a","entries":[]}' }));
      const refused = await b.sync({ namespace: a.namespace });
      assert.equal(refused.error?.step, 'plan', JSON.stringify(refused.error));
      assert.match(
        refused.error.message,
        new RegExp(`application "inv-b" may not apply ConfigMap/${a.namespace}/${name}`),
      );
      assert.equal(refused.stats.writes, 0);
    }
    const after = await liveConfigMap(a, inventoryName);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'A’s inventory untouched');
    assert.equal(await a.get('v1', 'ConfigMap', inventoryConfigMapName('not-yet-an-app')), undefined);

    // A keeps working and still prunes from its inventory.
    await a.write('cm.yaml', configMap('a-next', { owner: 'a' }));
    const next = await a.sync({ prune: true, allowMassPrune: true });
    assertSucceeded(next);
    assert.equal(actionsOf(next)[`ConfigMap/${a.namespace}/a-own`], 'pruned');
  });

  it('refuses a forged or malformed inventory ConfigMap with an error naming it, writing nothing', async (t) => {
    const cases: {
      why: string;
      labels: Record<string, string>;
      annotations?: Record<string, string>;
      text: string;
      error: RegExp;
    }[] = [
      {
        why: 'malformed entries',
        labels: { [INVENTORY_LABEL]: 'forged' },
        text: '{"app":"forged","entries":{"filter":1}}',
        error: /without an entries list/,
      },
      { why: 'not JSON', labels: { [INVENTORY_LABEL]: 'forged' }, text: 'entries: [', error: /is not JSON/ },
      {
        why: 'entry of the wrong shape',
        labels: { [INVENTORY_LABEL]: 'forged' },
        text: '{"app":"forged","entries":[{"id":1}]}',
        error: /entry 1 that is not/,
      },
      {
        why: 'another app’s content',
        labels: { [INVENTORY_LABEL]: 'forged' },
        text: '{"app":"other","entries":[]}',
        error: /inventory of application "other"/,
      },
      {
        why: 'no marker label',
        labels: {},
        text: '{"app":"forged","entries":[]}',
        error: /does not carry the label inventory\.mooring\.dev\/app: forged/,
      },
      {
        why: 'applied by an app',
        labels: { [INVENTORY_LABEL]: 'forged' },
        annotations: { [TRACKING_ANNOTATION]: 'evil:/ConfigMap:x/mooring-inventory-forged' },
        text: '{"app":"forged","entries":[]}',
        error: /was applied by an application \(tracking: evil:/,
      },
    ];
    for (const c of cases) {
      const h = await engineHarness(t, 'forged');
      const name = inventoryConfigMapName('forged');
      await h.observer.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: h.namespace,
          labels: c.labels,
          ...(c.annotations === undefined ? {} : { annotations: c.annotations }),
        },
        data: { 'inventory.json': c.text },
      });
      await h.write('cm.yaml', configMap('app-object', { v: '1' }));
      const result = await h.sync({ prune: true });
      assert.equal(result.error?.step, 'inventory', `${c.why}: ${JSON.stringify(result.error)}`);
      assert.equal(result.error.subject, `ConfigMap/${h.namespace}/${name}`, c.why);
      assert.match(result.error.message, c.error, c.why);
      assert.match(result.error.message, /nothing was applied/, c.why);
      assert.equal(result.stats.writes, 0, c.why);
      assert.equal(await h.get('v1', 'ConfigMap', 'app-object'), undefined, c.why);
    }
  });
});

describe('security: ownership between applications (controller)', () => {
  it('stalls the app that includes another app’s object and tells the owner with a SharedResourceConflict Event', async (t) => {
    const h = await controllerHarness(t);
    const owner = h.uniqueName('owner');
    const taker = h.uniqueName('taker');
    await h.publish({ 'cm.yaml': [configMap('shared', { owner: 'a' })] }, 'owner');
    const sha = await h.publish(
      { 'cm.yaml': [configMap('shared', { owner: 'b' }), configMap('taker-own', { owner: 'b' })] },
      'taker',
    );
    await h.createApp(owner, {}, 'owner');
    await h.waitForApp(owner, 'Ready', readyAt(sha));
    const before = await h.get('v1', 'ConfigMap', 'shared');

    await h.createApp(taker, {}, 'taker');
    const refused = await h.waitForApp(
      taker,
      'Stalled',
      (app) => condition(app, 'Stalled')?.status === 'True',
    );
    assert.match(
      condition(refused, 'Stalled')?.message ?? '',
      new RegExp(`ConfigMap/${h.destNamespace}/shared is tracked by application "${owner}"`),
    );
    const event = await h.waitFor('a SharedResourceConflict Event on the owner', async () =>
      (await h.events(owner)).find((e) => e.reason === 'SharedResourceConflict'),
    );
    assert.match(
      String(event.message),
      new RegExp(`application [a-z0-9-]*/?${taker} also defines ConfigMap/${h.destNamespace}/shared`),
    );
    assert.equal(event.type, 'Warning');

    const after = await h.get('v1', 'ConfigMap', 'shared');
    assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion);
    assert.equal(await h.get('v1', 'ConfigMap', 'taker-own'), undefined);
  });
});
