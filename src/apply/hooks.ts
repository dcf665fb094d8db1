import { errorMessage } from '../core/errors.js';
import type { KubeObject, ObjectRef } from '../core/objects.js';
import { refOf, subjectOf } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import { assessHealth } from '../health/index.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { FIELD_MANAGER } from '../kube/objects-api.js';
import { creationManifest, generatedHookSelector, isGenerated } from '../plan/generated.js';
import type { PlannedObject } from '../plan/types.js';
import type { ObjectOutcome } from './types.js';

/** What the hooks of one sync share: the time limit for each, and how the sync names itself on what it creates. */
export interface HookRun {
  timeoutMs: number;
  /** `<revision or "local">@<ISO time>`: recorded on every object a generateName hook creates. */
  syncLabel: string;
}

/**
 * Runs the hooks of one phase in order: delete the previous run's object(s) (BeforeHookCreation, the
 * default), create it, wait until it succeeds (a Job completes) or fails, then delete it as its policy says.
 * A hook with a fixed name is applied; one with generateName is created fresh (POST), and its previous runs
 * are found by the hook's label. Stops at the first failing hook; its outcome says why.
 */
export async function runHooks(
  objects: ObjectsApi,
  hooks: PlannedObject[],
  run: HookRun,
): Promise<ObjectOutcome[]> {
  const outcomes: ObjectOutcome[] = [];
  for (const hook of hooks) {
    const outcome = await runHook(objects, hook, run);
    outcomes.push(outcome);
    if (outcome.action === 'hook-failed') break;
  }
  return outcomes;
}

async function runHook(objects: ObjectsApi, hook: PlannedObject, run: HookRun): Promise<ObjectOutcome> {
  const base = { subject: subjectOf(hook.ref), id: hook.id, phase: hook.phase, wave: hook.wave };
  const policies = hook.hookDeletePolicies ?? ['BeforeHookCreation'];
  const apiVersion = hook.object.apiVersion;
  let ref: ObjectRef = hook.ref;
  try {
    if (policies.includes('BeforeHookCreation')) await deletePreviousRuns(objects, hook);
    ref = refOf(await createRun(objects, hook, run.syncLabel));
    base.subject = subjectOf(ref);
    const result = await pollUntil(
      async (note) => {
        const health = assessHealth(await objects.get(apiVersion, ref));
        note(`${health.status}${health.message === '' ? '' : `: ${health.message}`}`);
        if (health.status === 'Healthy') return { ok: true, message: health.message };
        if (health.status === 'Degraded') return { ok: false, message: health.message };
        return undefined;
      },
      { timeoutMs: run.timeoutMs, intervalMs: 250, what: `hook ${base.subject}` },
    );
    const deletion = result.ok ? 'HookSucceeded' : 'HookFailed';
    if (policies.includes(deletion))
      await objects.delete(apiVersion, ref, { step: 'hook', propagation: 'Background' });
    return result.ok
      ? { ...base, action: 'hook-succeeded', ...(result.message === '' ? {} : { message: result.message }) }
      : { ...base, action: 'hook-failed', message: result.message };
  } catch (error) {
    return { ...base, action: 'hook-failed', message: errorMessage(error) };
  }
}

/** Applies a named hook; creates a fresh object for a generateName hook. Returns the object as stored. */
async function createRun(objects: ObjectsApi, hook: PlannedObject, syncLabel: string): Promise<KubeObject> {
  if (!isGenerated(hook)) return objects.apply(hook.object, { step: 'hook', force: true });
  return objects.create(creationManifest(hook, syncLabel), 'hook', { fieldManager: FIELD_MANAGER });
}

/**
 * Deletes the objects earlier runs of this hook left (one for a named hook; any number for a generateName
 * hook, found by the app's tracking label and the hook's label) and waits until they are gone.
 */
async function deletePreviousRuns(objects: ObjectsApi, hook: PlannedObject): Promise<void> {
  const apiVersion = hook.object.apiVersion;
  const previous: ObjectRef[] = isGenerated(hook)
    ? (
        await objects.list(apiVersion, hook.ref.kind, {
          ...(hook.ref.namespace === '' ? {} : { namespace: hook.ref.namespace }),
          labelSelector: generatedHookSelector(hook),
        })
      ).map(refOf)
    : [hook.ref];
  for (const ref of previous) {
    const deleted = await objects.delete(apiVersion, ref, { step: 'hook', propagation: 'Foreground' });
    if (!deleted) continue;
    await pollUntil(async () => ((await objects.get(apiVersion, ref)) === undefined ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `the previous run of hook ${subjectOf(ref)} to be deleted`,
    });
  }
}
