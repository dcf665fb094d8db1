import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { objectId } from '../../../src/core/objects.js';
import {
  diffInventory,
  intersectInventory,
  inventoryOf,
  mergeInventory,
  sortInventory,
} from '../../../src/plan/inventory.js';
import { buildPlan } from '../../../src/plan/index.js';
import type { InventoryEntry } from '../../../src/plan/types.js';
import { manifest, planInput, seededRandom, shuffled } from './fixtures.js';

const CASES = 400;

/** A small universe of objects, so random inventories overlap often. */
const UNIVERSE: string[] = [];
for (const namespace of ['', 'a', 'b']) {
  for (const name of ['x', 'y', 'z']) {
    for (const [group, kind] of [
      ['', 'ConfigMap'],
      ['apps', 'Deployment'],
      ['example.com', 'Widget'],
    ] as const) {
      UNIVERSE.push(objectId({ namespace, name, group, kind }));
    }
  }
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A random inventory with unique ids, in random order. */
function randomInventory(random: () => number): InventoryEntry[] {
  const ids = shuffled(UNIVERSE, random).slice(0, Math.floor(random() * (UNIVERSE.length + 1)));
  return ids.map((id) => ({ id, v: pick(['v1', 'v1beta1', 'v2'], random) }));
}

const ids = (entries: readonly InventoryEntry[]) => entries.map((entry) => entry.id);
const idSet = (entries: readonly InventoryEntry[]) => new Set(ids(entries));

/** Runs `check` on CASES random pairs; the seed is in the message of a failure. */
function forRandomPairs(
  check: (a: InventoryEntry[], b: InventoryEntry[], random: () => number) => void,
): void {
  for (let seed = 1; seed <= CASES; seed++) {
    const random = seededRandom(seed);
    const a = randomInventory(random);
    const b = randomInventory(random);
    try {
      check(a, b, random);
    } catch (error) {
      throw new Error(`seed ${seed}: ${String(error)}`, { cause: error });
    }
  }
}

function assertSortedUnique(entries: readonly InventoryEntry[]): void {
  const list = ids(entries);
  assert.deepEqual(list, [...new Set(list)].sort());
}

describe('inventory arithmetic (property tests)', () => {
  it('finds nothing gone between an inventory and itself', () => {
    forRandomPairs((a, _b, random) => {
      assert.deepEqual(diffInventory(a, a), []);
      assert.deepEqual(diffInventory(a, shuffled(a, random)), []);
    });
  });

  it('never reports as gone what is still desired', () => {
    forRandomPairs((a, b) => {
      const desired = idSet(b);
      assert.ok(diffInventory(a, b).every((entry) => !desired.has(entry.id)));
    });
  });

  it('splits the previous inventory into gone and kept, without overlap', () => {
    forRandomPairs((a, b) => {
      const gone = diffInventory(a, b);
      const kept = intersectInventory(a, b);
      assert.deepEqual(sortInventory([...gone, ...kept]), sortInventory(a));
      assert.ok(gone.every((entry) => !idSet(kept).has(entry.id)));
    });
  });

  it('does not depend on the order of its inputs', () => {
    forRandomPairs((a, b, random) => {
      const expected = diffInventory(a, b);
      assert.deepEqual(diffInventory(shuffled(a, random), shuffled(b, random)), expected);
      assert.deepEqual(mergeInventory(shuffled(a, random), b), mergeInventory(a, b));
    });
  });

  it('returns sorted results without duplicates, even from inputs with duplicates', () => {
    forRandomPairs((a, b) => {
      const doubled = [...a, ...a, ...b];
      assertSortedUnique(diffInventory(doubled, b));
      assertSortedUnique(mergeInventory(doubled, doubled));
      assertSortedUnique(intersectInventory(doubled, a));
      assertSortedUnique(sortInventory(doubled));
    });
  });

  it('does not count a changed apiVersion as a deletion', () => {
    forRandomPairs((a) => {
      const upgraded = a.map((entry) => ({ id: entry.id, v: entry.v === 'v1' ? 'v2' : 'v1' }));
      assert.deepEqual(diffInventory(a, upgraded), []);
    });
  });

  it("merges to the union of ids, with the second inventory's versions", () => {
    forRandomPairs((a, b) => {
      const merged = mergeInventory(a, b);
      assert.deepEqual(idSet(merged), new Set([...ids(a), ...ids(b)]));
      for (const entry of b) assert.equal(merged.find((m) => m.id === entry.id)?.v, entry.v);
    });
  });
});

describe('inventoryOf', () => {
  it('records every planned object except hooks, with the apiVersion applied', () => {
    const plan = buildPlan(
      planInput([
        manifest('apps/v1', 'Deployment', 'web'),
        manifest('v1', 'Namespace', 'shop'),
        manifest('batch/v1', 'Job', 'migrate', undefined, { 'mooring.dev/hook': 'PreSync' }),
        manifest('batch/v1', 'Job', 'sync-hook', undefined, { 'mooring.dev/hook': 'Sync' }),
        manifest('v1', 'ConfigMap', 'kept', undefined, { 'mooring.dev/apply': 'ignore' }),
      ]),
    );
    assert.deepEqual(inventoryOf(plan.objects), plan.inventory);
    assert.deepEqual(plan.inventory, [
      { id: '_shop__Namespace', v: 'v1' },
      { id: 'shop_kept__ConfigMap', v: 'v1' },
      { id: 'shop_web_apps_Deployment', v: 'apps/v1' },
    ]);
  });
});
