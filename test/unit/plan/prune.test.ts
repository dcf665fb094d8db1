import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { objectId } from '../../../src/core/objects.js';
import type { ObjectRef } from '../../../src/core/objects.js';
import { buildPlan } from '../../../src/plan/index.js';
import { checkPruneBrake, pruneCandidates, sortForPrune } from '../../../src/plan/prune.js';
import type { InventoryEntry, PruneBrake } from '../../../src/plan/types.js';
import { manifest, planInput } from './fixtures.js';

const entry = (ref: ObjectRef, v = 'v1'): InventoryEntry => ({ id: objectId(ref), v });
const configMap = (name: string) => entry({ group: '', kind: 'ConfigMap', namespace: 'shop', name });
const configMaps = (count: number) =>
  Array.from({ length: count }, (_, i) => configMap(`c${String(i).padStart(2, '0')}`));
const halfBrake: PruneBrake = { maxFraction: 0.5, allow: false };

function refusal(pattern: RegExp | string) {
  return (error: unknown) =>
    error instanceof MooringError &&
    error.code === 'PLAN_REFUSED' &&
    error.step === 'plan' &&
    (typeof pattern === 'string' ? error.message === pattern : pattern.test(error.message));
}

describe('prune safety brake', () => {
  it('allows pruning exactly the maximum fraction', () => {
    const previous = configMaps(10);
    checkPruneBrake(previous.slice(0, 5), previous, halfBrake);
  });

  it('refuses one more, naming the objects', () => {
    const previous = [
      entry({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' }),
      ...configMaps(9),
    ];
    assert.throws(
      () => {
        checkPruneBrake(previous.slice(0, 6), previous, halfBrake);
      },
      refusal(
        'would delete 6 of 10 objects (more than 50%): Deployment/shop/web, ConfigMap/shop/c00, ConfigMap/shop/c01, ' +
          'ConfigMap/shop/c02, ConfigMap/shop/c03, ConfigMap/shop/c04; re-run with --allow-mass-prune if intended',
      ),
    );
  });

  it('lists at most ten objects', () => {
    const previous = configMaps(12);
    assert.throws(
      () => {
        checkPruneBrake(previous, previous, halfBrake);
      },
      refusal(/ConfigMap\/shop\/c09 and 2 more; re-run/),
    );
  });

  it('lets the user allow a mass prune', () => {
    const previous = configMaps(10);
    checkPruneBrake(previous, previous, { maxFraction: 0.5, allow: true });
  });

  it('does not brake for a first sync (empty previous inventory)', () => {
    checkPruneBrake([], [], halfBrake);
    checkPruneBrake(configMaps(1), [], halfBrake);
  });

  it('honours other fractions at their boundary', () => {
    const previous = configMaps(10);
    checkPruneBrake(previous.slice(0, 3), previous, { maxFraction: 0.3, allow: false });
    assert.throws(
      () => {
        checkPruneBrake(previous.slice(0, 4), previous, { maxFraction: 0.3, allow: false });
      },
      refusal(/more than 30%/),
    );
  });
});

describe('prune candidates', () => {
  it('prunes what is no longer desired in reverse apply order', () => {
    const previous = [
      entry({ group: '', kind: 'Namespace', namespace: '', name: 'old' }),
      entry({
        group: 'apiextensions.k8s.io',
        kind: 'CustomResourceDefinition',
        namespace: '',
        name: 'widgets.example.com',
      }),
      entry({ group: 'example.com', kind: 'Widget', namespace: 'old', name: 'w' }),
      entry({ group: '', kind: 'ConfigMap', namespace: 'old', name: 'c' }),
      entry({ group: 'apps', kind: 'Deployment', namespace: 'old', name: 'd' }),
      configMap('kept'),
    ];
    const { pruneSet, orphaned } = pruneCandidates(previous, [configMap('kept')], true);
    assert.deepEqual(orphaned, []);
    assert.deepEqual(
      pruneSet.map((e) => e.id),
      [
        'old_w_example.com_Widget',
        'old_d_apps_Deployment',
        'old_c__ConfigMap',
        '_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition',
        '_old__Namespace',
      ],
    );
  });

  it('keeps everything as orphans when pruning is off', () => {
    const previous = configMaps(3);
    assert.deepEqual(pruneCandidates(previous, [], false), { pruneSet: [], orphaned: previous });
  });

  it('prunes entries whose id does not parse first', () => {
    const sorted = sortForPrune([configMap('a'), { id: 'not-an-id', v: 'v1' }]);
    assert.deepEqual(
      sorted.map((e) => e.id),
      ['not-an-id', 'shop_a__ConfigMap'],
    );
  });
});

describe('prune in the plan', () => {
  const previous = [...configMaps(8), configMap('web'), configMap('db')];

  it('refuses a plan that would prune most of the application', () => {
    assert.throws(
      () => buildPlan(planInput([manifest('v1', 'ConfigMap', 'web')], { previousInventory: previous })),
      refusal(/^would delete 9 of 10 objects/),
    );
  });

  it('plans the prune when allowed, and orphans instead when pruning is off', () => {
    const objects = [manifest('v1', 'ConfigMap', 'web')];
    const allowed = buildPlan(
      planInput(objects, { previousInventory: previous, pruneBrake: { maxFraction: 0.5, allow: true } }),
    );
    assert.equal(allowed.pruneSet.length, 9);
    const off = buildPlan(planInput(objects, { previousInventory: previous, prune: false }));
    assert.deepEqual(off.pruneSet, []);
    assert.equal(off.orphaned.length, 9);
  });

  it('does not prune an object whose apiVersion changed', () => {
    const plan = buildPlan(
      planInput([manifest('apps/v1', 'Deployment', 'web')], {
        previousInventory: [{ id: 'shop_web_apps_Deployment', v: 'apps/v1beta2' }],
      }),
    );
    assert.deepEqual(plan.pruneSet, []);
    assert.deepEqual(plan.inventory, [{ id: 'shop_web_apps_Deployment', v: 'apps/v1' }]);
  });
});
