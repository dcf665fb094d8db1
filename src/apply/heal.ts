import { subjectOf } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { ownerOf } from '../plan/ownership.js';
import type { PlannedObject } from '../plan/types.js';
import { applyObjects, intendedAction, keepsOthersEdits } from './apply-objects.js';
import type { ObjectOutcome, ValidatedObject } from './types.js';
import { validateObjects } from './validate.js';

/** Corrects drift (enforce) or only reports it (warn). */
export type HealMode = 'enforce' | 'warn';

export interface HealRequest {
  /** Tracking name of the app: another app's object is never taken back. */
  appName: string;
  /** The cached plan's objects the watch saw change, each with the mode it is healed in. */
  objects: { planned: PlannedObject; mode: HealMode }[];
  concurrency: number;
}

/**
 * Heals drifted objects through the same rules as a full sync, on the cached subset of the plan:
 * the server-side dry-run of validateObjects (force only against kubectl-style managers, recreate on
 * immutable fields when asked), intendedAction (create-only objects are created when missing, never
 * updated; ignored ones are left alone) and applyObjects. Objects another application now tracks are
 * left alone. Objects marked `kustomize.toolkit.fluxcd.io/ssa: Merge` keep what other managers changed.
 * Returns one outcome per object that differs from Git (none for an object equal to Git).
 */
export async function healObjects(objects: ObjectsApi, request: HealRequest): Promise<ObjectOutcome[]> {
  const outcomes: ObjectOutcome[] = [];
  const toApply: ValidatedObject[] = [];
  const candidates = request.objects.filter(
    ({ planned }) =>
      planned.hookDeletePolicies === undefined &&
      planned.options.drift !== 'ignore' &&
      !planned.options.ignore,
  );
  for (const { planned, mode } of candidates) {
    const base = {
      subject: subjectOf(planned.ref),
      id: planned.id,
      phase: planned.phase,
      wave: planned.wave,
    };
    const live = await objects.get(planned.object.apiVersion, planned.ref);
    if (live === undefined && mode === 'warn') {
      outcomes.push({
        ...base,
        action: 'unchanged',
        message: 'deleted outside Git (warn mode: not recreated)',
      });
      continue;
    }
    const owner = live === undefined ? undefined : ownerOf(live);
    if (owner !== undefined && owner !== request.appName) {
      // Handed over (or taken by hand) since the last sync: never taken back by a heal.
      outcomes.push({
        ...base,
        action: 'unchanged',
        message: `tracked by application "${owner}" now; not corrected`,
      });
      continue;
    }
    if (live !== undefined && planned.options.createOnly) continue;
    const validation = await validateObjects(
      objects,
      [planned],
      new Map(live === undefined ? [] : [[planned.id, live]]),
      {
        definedKinds: new Set(),
        newNamespaces: new Set(),
        concurrency: 1,
      },
    );
    const failure = validation.failures[0];
    if (failure !== undefined) {
      outcomes.push({ ...base, action: 'failed', message: failure.message });
      continue;
    }
    const v = validation.validated[0];
    if (v === undefined) continue;
    const drift = v.diff?.drift ?? [];
    const message = driftMessage(drift, live === undefined);
    if (keepsOthersEdits(v)) {
      outcomes.push({
        ...base,
        action: 'unchanged',
        message: `${message}; kept (ssa: Merge leaves fields other managers set)`,
        drift,
      });
      continue;
    }
    const action = intendedAction(v);
    if (action === 'unchanged' || action === 'skipped') continue;
    if (mode === 'warn') {
      outcomes.push({ ...base, action: 'unchanged', message, drift });
      continue;
    }
    toApply.push(v);
  }
  const applied = await applyObjects(objects, toApply, request.concurrency);
  for (const [i, outcome] of applied.entries()) {
    const v = toApply[i] as ValidatedObject;
    const drift = v.diff?.drift ?? [];
    const what = driftMessage(drift, v.live === undefined);
    outcomes.push({
      ...outcome,
      ...(outcome.action === 'failed'
        ? {}
        : {
            message:
              outcome.action === 'created'
                ? 'recreated after it was deleted outside Git'
                : outcome.action === 'recreated'
                  ? `recreated: ${what}`
                  : `corrected: ${what}`,
          }),
      ...(drift.length > 0 ? { drift } : {}),
    });
  }
  return outcomes;
}

function driftMessage(drift: { path: string; changedBy: { manager: string }[] }[], deleted: boolean): string {
  if (deleted) return 'deleted outside Git';
  if (drift.length === 0) return 'changed outside Git';
  const who = [...new Set(drift.flatMap((d) => d.changedBy.map((c) => c.manager)))];
  const fields = drift
    .map((d) => d.path)
    .slice(0, 5)
    .join(', ');
  return `${fields} changed${who.length > 0 ? ` by ${who.join(', ')}` : ''}`;
}
