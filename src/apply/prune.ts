import { errorMessage } from '../core/errors.js';
import { parseObjectId, subjectOf } from '../core/objects.js';
import { KubeApiError } from '../kube/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { parseObjectOptions } from '../plan/sync-options.js';
import { TRACKING_ANNOTATION, isTrackedBy } from '../plan/tracking.js';
import type { InventoryEntry } from '../plan/types.js';
import type { ObjectOutcome } from './types.js';

export interface PruneResult {
  outcomes: ObjectOutcome[];
  /** Entries that must stay in the inventory: the deletion failed, so the app still owns them. */
  survivors: InventoryEntry[];
}

/**
 * Deletes objects the app owned and no longer wants, one at a time in the given (reverse apply) order.
 * An object is deleted only if its tracking annotation says this app owns it, and only that incarnation
 * (uid precondition). Objects that opt out of pruning are left in place and dropped from the inventory.
 */
export async function pruneObjects(
  objects: ObjectsApi,
  appName: string,
  pruneSet: InventoryEntry[],
  dryRun: boolean,
): Promise<PruneResult> {
  const outcomes: ObjectOutcome[] = [];
  const survivors: InventoryEntry[] = [];
  for (const entry of pruneSet) {
    const ref = parseObjectId(entry.id);
    if (ref === undefined) continue;
    const base = { subject: subjectOf(ref), id: entry.id, phase: 'Sync' as const, wave: 0 };
    try {
      const live = await objects.get(entry.v, ref);
      if (live === undefined) {
        outcomes.push({ ...base, action: 'pruned', message: 'already gone' });
        continue;
      }
      if (!isTrackedBy(live, appName)) {
        const owner = live.metadata.annotations?.[TRACKING_ANNOTATION];
        outcomes.push({
          ...base,
          action: 'orphaned',
          message:
            owner === undefined
              ? 'not tracked by Mooring any more; left in place'
              : `tracked by ${owner}; left in place`,
        });
        continue;
      }
      if (!parseObjectOptions(live.metadata.annotations ?? {}, 'enforce', []).prune) {
        outcomes.push({
          ...base,
          action: 'orphaned',
          message: 'pruning disabled by annotation; left in place',
        });
        continue;
      }
      if (!dryRun) {
        const uid = live.metadata.uid;
        await objects.delete(entry.v, ref, typeof uid === 'string' ? { uid } : {});
      }
      outcomes.push({ ...base, action: 'pruned' });
    } catch (error) {
      survivors.push(entry);
      const message =
        error instanceof KubeApiError ? `${error.apiMessage} (${error.reason})` : errorMessage(error);
      outcomes.push({ ...base, action: 'failed', message: `prune failed: ${message}` });
    }
  }
  return { outcomes, survivors };
}
