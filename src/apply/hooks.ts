import { errorMessage } from '../core/errors.js';
import { subjectOf } from '../core/objects.js';
import { pollUntil } from '../core/wait.js';
import { assessHealth } from '../health/index.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { PlannedObject } from '../plan/types.js';
import type { ObjectOutcome } from './types.js';

/**
 * Runs the hooks of one phase in order: delete the previous run's object (BeforeHookCreation, the default),
 * create it, wait until it succeeds (a Job completes) or fails, then delete it as its policy says.
 * Stops at the first failing hook; its outcome says why.
 */
export async function runHooks(
  objects: ObjectsApi,
  hooks: PlannedObject[],
  timeoutMs: number,
): Promise<ObjectOutcome[]> {
  const outcomes: ObjectOutcome[] = [];
  for (const hook of hooks) {
    const outcome = await runHook(objects, hook, timeoutMs);
    outcomes.push(outcome);
    if (outcome.action === 'hook-failed') break;
  }
  return outcomes;
}

async function runHook(objects: ObjectsApi, hook: PlannedObject, timeoutMs: number): Promise<ObjectOutcome> {
  const base = { subject: subjectOf(hook.ref), id: hook.id, phase: hook.phase, wave: hook.wave };
  const policies = hook.hookDeletePolicies ?? ['BeforeHookCreation'];
  const apiVersion = hook.object.apiVersion;
  try {
    if (policies.includes('BeforeHookCreation')) await deleteAndWaitGone(objects, hook);
    await objects.apply(hook.object, { step: 'hook', force: true });
    const result = await pollUntil(
      async (note) => {
        const health = assessHealth(await objects.get(apiVersion, hook.ref));
        note(`${health.status}${health.message === '' ? '' : `: ${health.message}`}`);
        if (health.status === 'Healthy') return { ok: true, message: health.message };
        if (health.status === 'Degraded') return { ok: false, message: health.message };
        return undefined;
      },
      { timeoutMs, intervalMs: 250, what: `hook ${base.subject}` },
    );
    const deletion = result.ok ? 'HookSucceeded' : 'HookFailed';
    if (policies.includes(deletion))
      await objects.delete(apiVersion, hook.ref, { step: 'hook', propagation: 'Background' });
    return result.ok
      ? { ...base, action: 'hook-succeeded', ...(result.message === '' ? {} : { message: result.message }) }
      : { ...base, action: 'hook-failed', message: result.message };
  } catch (error) {
    return { ...base, action: 'hook-failed', message: errorMessage(error) };
  }
}

async function deleteAndWaitGone(objects: ObjectsApi, hook: PlannedObject): Promise<void> {
  const deleted = await objects.delete(hook.object.apiVersion, hook.ref, {
    step: 'hook',
    propagation: 'Foreground',
  });
  if (!deleted) return;
  await pollUntil(
    async () => ((await objects.get(hook.object.apiVersion, hook.ref)) === undefined ? true : undefined),
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `the previous run of hook ${subjectOf(hook.ref)} to be deleted`,
    },
  );
}
