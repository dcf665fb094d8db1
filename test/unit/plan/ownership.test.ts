import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseInventoryText } from '../../../src/apply/inventory-store.js';
import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { buildPlan } from '../../../src/plan/index.js';
import {
  checkOwnership,
  HANDOVER_ANNOTATION,
  INVENTORY_LABEL,
  ownerOf,
} from '../../../src/plan/ownership.js';
import { TRACKING_ANNOTATION } from '../../../src/plan/tracking.js';
import { manifest, planInput } from './fixtures.js';

/** A live ConfigMap `name` in namespace shop, with `annotations` (and labels). */
function liveConfigMap(
  name: string,
  annotations: Record<string, string>,
  labels: Record<string, string> = {},
): KubeObject {
  const object = manifest('v1', 'ConfigMap', name, 'shop', annotations);
  object.metadata.labels = labels;
  return object;
}

/** Plans app `appName` with the given objects and checks them against `live` (by plan id). */
function check(appName: string, objects: KubeObject[], live: KubeObject[]) {
  const plan = buildPlan(planInput(objects, { appName }));
  const byId = new Map<string, KubeObject>();
  for (const object of live) {
    const planned = plan.objects.find((p) => p.ref.name === object.metadata.name);
    if (planned !== undefined) byId.set(planned.id, object);
  }
  return checkOwnership(appName, plan.objects, byId);
}

const trackedByA = (name: string): Record<string, string> => ({
  [TRACKING_ANNOTATION]: `a:/ConfigMap:shop/${name}`,
});

describe('ownership between applications', () => {
  it('reads the owner from a tracking annotation that names the object itself, not a copy', () => {
    assert.equal(ownerOf(liveConfigMap('x', trackedByA('x'))), 'a');
    assert.equal(ownerOf(liveConfigMap('copy', trackedByA('x'))), undefined);
    assert.equal(ownerOf(liveConfigMap('x', {})), undefined);
    assert.equal(ownerOf(liveConfigMap('x', { [TRACKING_ANNOTATION]: 'garbage' })), undefined);
  });

  it('refuses an object tracked by another app, naming both apps, the object and the way out', () => {
    const result = check('b', [manifest('v1', 'ConfigMap', 'x')], [liveConfigMap('x', trackedByA('x'))]);
    assert.equal(result.conflicts.length, 1);
    const conflict = result.conflicts[0];
    assert.equal(conflict?.owner, 'a');
    assert.match(
      conflict.message,
      /ConfigMap\/shop\/x is tracked by application "a"; application "b" may not take it over/,
    );
    assert.match(conflict.hint, /mooring\.dev\/handover-to: b/);
  });

  it('compares the whole app name: an app whose name extends the owner is still another app', () => {
    const live = [liveConfigMap('x', trackedByA('x'))];
    assert.equal(check('a2', [manifest('v1', 'ConfigMap', 'x')], live).conflicts.length, 1);
    assert.equal(check('a', [manifest('v1', 'ConfigMap', 'x')], live).conflicts.length, 0);
  });

  it('lets an app adopt untracked objects, copies of other objects, and its own objects', () => {
    const result = check(
      'b',
      ['free', 'copy', 'own'].map((name) => manifest('v1', 'ConfigMap', name)),
      [
        liveConfigMap('free', {}),
        liveConfigMap('copy', trackedByA('original')),
        liveConfigMap('own', { [TRACKING_ANNOTATION]: 'b:/ConfigMap:shop/own' }),
      ],
    );
    assert.deepEqual(result, { conflicts: [], handedOver: [], received: [] });
  });

  it('takes over an object whose live copy is handed over to this app, and only to this app', () => {
    const live = [liveConfigMap('x', { ...trackedByA('x'), [HANDOVER_ANNOTATION]: 'b' })];
    const received = check('b', [manifest('v1', 'ConfigMap', 'x')], live);
    assert.deepEqual(
      received.received.map((r) => [r.planned.ref.name, r.from]),
      [['x', 'a']],
    );
    assert.equal(received.conflicts.length, 0);
    assert.equal(check('c', [manifest('v1', 'ConfigMap', 'x')], live).conflicts.length, 1);
  });

  it('ignores a handover annotation written in the taking app’s own manifest', () => {
    const forged = manifest('v1', 'ConfigMap', 'x', undefined, { [HANDOVER_ANNOTATION]: 'b' });
    assert.equal(check('b', [forged], [liveConfigMap('x', trackedByA('x'))]).conflicts.length, 1);
  });

  it('drops an object the giving app handed over once the receiver tracks it', () => {
    const given = manifest('v1', 'ConfigMap', 'x', undefined, { [HANDOVER_ANNOTATION]: 'b' });
    const live = liveConfigMap('x', { [TRACKING_ANNOTATION]: 'b:/ConfigMap:shop/x' });
    const result = check('a', [given], [live]);
    assert.deepEqual(
      result.handedOver.map((h) => [h.planned.ref.name, h.owner]),
      [['x', 'b']],
    );
    // Handed to b, but c took it: a conflict.
    const stolen = liveConfigMap('x', { [TRACKING_ANNOTATION]: 'c:/ConfigMap:shop/x' });
    assert.equal(check('a', [given], [stolen]).conflicts.length, 1);
  });

  it('checks hooks too (they are deleted and recreated), but not objects left alone entirely', () => {
    const hook = manifest('batch/v1', 'Job', 'migrate', undefined, { 'mooring.dev/hook': 'PreSync' });
    const ignored = manifest('v1', 'ConfigMap', 'x', undefined, { 'mooring.dev/apply': 'ignore' });
    const liveHook = manifest('batch/v1', 'Job', 'migrate', 'shop', {
      [TRACKING_ANNOTATION]: 'a:batch/Job:shop/migrate',
    });
    const result = check('b', [hook, ignored], [liveHook, liveConfigMap('x', trackedByA('x'))]);
    assert.deepEqual(
      result.conflicts.map((c) => c.planned.ref.name),
      ['migrate'],
    );
  });

  it('refuses to overwrite a live ConfigMap that carries the inventory label, whatever its name', () => {
    const result = check(
      'b',
      [manifest('v1', 'ConfigMap', 'renamed')],
      [liveConfigMap('renamed', {}, { [INVENTORY_LABEL]: 'a' })],
    );
    assert.match(result.conflicts[0]?.message ?? '', /is the inventory of application "a"/);
  });

  it('refuses in the plan any ConfigMap named like an inventory, in any namespace, existing or not', () => {
    for (const object of [
      manifest('v1', 'ConfigMap', 'mooring-inventory-a'),
      manifest('v1', 'ConfigMap', 'mooring-inventory-b'),
      manifest('v1', 'ConfigMap', 'mooring-inventory-a', 'elsewhere'),
    ]) {
      assert.throws(
        () => buildPlan(planInput([object], { appName: 'b' })),
        (error: unknown) =>
          error instanceof MooringError &&
          error.code === 'PLAN_REFUSED' &&
          /application "b" may not apply ConfigMap\/\S+\/mooring-inventory-/.test(error.message),
      );
    }
    // Other kinds may use the name.
    assert.equal(buildPlan(planInput([manifest('v1', 'Secret', 'mooring-inventory-a')])).objects.length, 1);
  });
});

describe('push-mode inventory text', () => {
  const where = { appName: 'a', namespace: 'shop' };
  const refusal = (pattern: RegExp) => (error: unknown) =>
    error instanceof MooringError &&
    error.code === 'PLAN_REFUSED' &&
    error.step === 'inventory' &&
    error.subject === 'ConfigMap/shop/mooring-inventory-a' &&
    pattern.test(error.message) &&
    (error.hint ?? '') !== '';

  it('reads what the store writes', () => {
    const text = JSON.stringify({ app: 'a', revision: '', entries: [{ id: 'shop_x__ConfigMap', v: 'v1' }] });
    assert.deepEqual(parseInventoryText(text, where), [{ id: 'shop_x__ConfigMap', v: 'v1' }]);
  });

  it('refuses malformed content with an error naming the ConfigMap, never a TypeError', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /has no data key inventory\.json/],
      ['{', /is not JSON/],
      ['[]', /without an entries list/],
      ['{"app":"a","entries":{"filter":1}}', /without an entries list/],
      ['{"app":"a","entries":[{"id":"x"}]}', /entry 1 that is not/],
      ['{"app":"a","entries":["x"]}', /entry 1 that is not/],
      ['{"app":"b","entries":[]}', /holds the inventory of application "b"/],
    ];
    for (const [text, pattern] of cases)
      assert.throws(() => parseInventoryText(text, where), refusal(pattern), String(text));
  });
});
