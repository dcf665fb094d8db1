/**
 * Inventory arithmetic, as in Flux kustomize-controller: what an application owns is a set of entries keyed
 * by object id; the version is carried along but is not part of the identity (moving an object from
 * v1beta1 to v1 is not deleting it). Every result is sorted by id and free of duplicates. Pure.
 */
import { isHook } from './order.js';
import type { InventoryEntry, PlannedObject } from './types.js';

function byId(a: InventoryEntry, b: InventoryEntry): number {
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** Entries sorted by id, one per id (a later entry replaces an earlier one with the same id). */
export function sortInventory(entries: readonly InventoryEntry[]): InventoryEntry[] {
  const unique = new Map<string, InventoryEntry>();
  for (const entry of entries) unique.set(entry.id, { id: entry.id, v: entry.v });
  return [...unique.values()].sort(byId);
}

/** The inventory after applying `planned`: every object except hooks, with the apiVersion applied. */
export function inventoryOf(planned: readonly PlannedObject[]): InventoryEntry[] {
  return sortInventory(planned.filter((p) => !isHook(p)).map((p) => ({ id: p.id, v: p.object.apiVersion })));
}

/** Entries of `previous` whose id is not in `next`: what is no longer desired. */
export function diffInventory(
  previous: readonly InventoryEntry[],
  next: readonly InventoryEntry[],
): InventoryEntry[] {
  const kept = new Set(next.map((entry) => entry.id));
  return sortInventory(previous.filter((entry) => !kept.has(entry.id)));
}

/** Entries of `a` whose id is also in `b` (with `a`'s versions). */
export function intersectInventory(
  a: readonly InventoryEntry[],
  b: readonly InventoryEntry[],
): InventoryEntry[] {
  const inB = new Set(b.map((entry) => entry.id));
  return sortInventory(a.filter((entry) => inB.has(entry.id)));
}

/**
 * Union of two inventories; where both hold an id, `b`'s version wins. Used to keep the survivors of a
 * failed prune: merge(next, pruneSet minus pruned).
 */
export function mergeInventory(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): InventoryEntry[] {
  return sortInventory([...a, ...b]);
}
