/**
 * Which previously owned objects to prune, in what order, and the safety brake that refuses to delete a
 * large part of an application at once (a wrong path or an empty render looks exactly like "delete all").
 * Pure.
 */
import { MooringError } from '../core/errors.js';
import { parseObjectId, subjectOf } from '../core/objects.js';
import { diffInventory } from './inventory.js';
import { compareRefs, hoistStage } from './order.js';
import type { InventoryEntry, PruneBrake } from './types.js';

/** The default brake: refuse to prune more than half of what the application owned. */
export const DEFAULT_PRUNE_BRAKE: PruneBrake = { maxFraction: 0.5, allow: false };

/** How messages name an inventory entry: `Kind/namespace/name`, or the raw id if it does not parse. */
export function subjectOfEntry(entry: InventoryEntry): string {
  const ref = parseObjectId(entry.id);
  return ref === undefined ? entry.id : subjectOf(ref);
}

/** Apply order of two entries from ids alone (their phase and wave are gone with their manifests). */
function entryApplyOrder(a: InventoryEntry, b: InventoryEntry): number {
  const refA = parseObjectId(a.id);
  const refB = parseObjectId(b.id);
  if (refA === undefined || refB === undefined) {
    // Unparseable ids are pruned first, so a surprise there never blocks the well-known kinds.
    if (refA === undefined && refB === undefined) return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return refA === undefined ? 1 : -1;
  }
  return hoistStage(refA.group, refA.kind) - hoistStage(refB.group, refB.kind) || compareRefs(refA, refB);
}

/** Entries in prune order: the reverse of apply order. */
export function sortForPrune(entries: readonly InventoryEntry[]): InventoryEntry[] {
  return [...entries].sort((a, b) => entryApplyOrder(b, a));
}

/** Previously owned, no longer desired objects: pruned when pruning is on, orphaned (kept) when it is off. */
export interface PruneCandidates {
  pruneSet: InventoryEntry[];
  orphaned: InventoryEntry[];
}

/**
 * Splits what is no longer desired into the prune set (in prune order) and the orphans. Per-object opt-outs
 * (mooring.dev/prune: disabled) are on the live objects, which the apply stage checks before deleting.
 */
export function pruneCandidates(
  previous: readonly InventoryEntry[],
  next: readonly InventoryEntry[],
  prune: boolean,
): PruneCandidates {
  const gone = diffInventory(previous, next);
  return prune ? { pruneSet: sortForPrune(gone), orphaned: [] } : { pruneSet: [], orphaned: gone };
}

const LISTED_SUBJECTS = 10;

/**
 * The safety brake: PLAN_REFUSED when the prune set is more than `maxFraction` of the previous inventory,
 * unless the user allowed it. Exactly `maxFraction` is allowed.
 */
export function checkPruneBrake(
  pruneSet: readonly InventoryEntry[],
  previous: readonly InventoryEntry[],
  brake: PruneBrake,
): void {
  const owned = new Set(previous.map((entry) => entry.id)).size;
  if (brake.allow || owned === 0 || pruneSet.length / owned <= brake.maxFraction) return;
  const subjects = pruneSet.slice(0, LISTED_SUBJECTS).map(subjectOfEntry);
  const more = pruneSet.length - subjects.length;
  const listed = subjects.join(', ') + (more > 0 ? ` and ${more} more` : '');
  const percent = Math.round(brake.maxFraction * 100);
  throw new MooringError(
    'PLAN_REFUSED',
    `would delete ${pruneSet.length} of ${owned} objects (more than ${percent}%): ${listed}; ` +
      're-run with --allow-mass-prune if intended',
    {
      step: 'plan',
      hint: 'check that the source path and revision are right; if the deletions are intended, allow them for this run',
    },
  );
}
