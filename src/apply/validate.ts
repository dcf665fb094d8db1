import { errorMessage, MooringError, retryClassOf } from '../core/errors.js';
import type { RetryClass } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import { groupOf } from '../core/objects.js';
import { mapLimited } from '../core/limit.js';
import { diffObject } from '../diff/object-diff.js';
import { KubeApiError } from '../kube/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { FIELD_MANAGER } from '../kube/objects-api.js';
import { creationManifest, isGenerated } from '../plan/generated.js';
import { isHook } from '../plan/order.js';
import type { PlannedObject } from '../plan/types.js';
import type { ValidatedObject } from './types.js';

/** A rejected object: which one, and the server's words. */
export interface ValidationFailure {
  planned: PlannedObject;
  message: string;
  hint?: string | undefined;
  /** How the rejection is retried: terminal for an invalid object, transient for a webhook down, … */
  retry: RetryClass;
}

export interface ValidationResult {
  validated: ValidatedObject[];
  /** Waiting for a CRD or Namespace that this sync creates; validated after that stage. */
  deferred: PlannedObject[];
  failures: ValidationFailure[];
}

/** Kinds (group/kind) that CRDs in this plan define. */
export function kindsDefinedByPlan(planned: PlannedObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const p of planned) {
    if (p.ref.kind !== 'CustomResourceDefinition') continue;
    const spec = p.object.spec as { group?: string; names?: { kind?: string } } | undefined;
    if (spec?.group !== undefined && spec.names?.kind !== undefined)
      kinds.add(`${spec.group}/${spec.names.kind}`);
  }
  return kinds;
}

/** Namespaces that this plan creates (not live yet). */
export function namespacesCreatedByPlan(
  planned: PlannedObject[],
  live: Map<string, KubeObject>,
): Set<string> {
  return new Set(
    planned
      .filter((p) => p.ref.kind === 'Namespace' && p.ref.group === '' && !live.has(p.id))
      .map((p) => p.ref.name),
  );
}

/**
 * Server-side dry-run of every object: the API server validates each one exactly as it would apply it
 * (schemas, admission, immutable fields). Objects waiting for a CRD or Namespace from this same sync are
 * deferred. Nothing is written.
 */
export async function validateObjects(
  objects: ObjectsApi,
  planned: PlannedObject[],
  live: Map<string, KubeObject>,
  context: {
    definedKinds: Set<string>;
    newNamespaces: Set<string>;
    concurrency: number;
    /** The caller knows this live object is as the last sync left it, and the manifest is the same. */
    knownUnchanged?: (planned: PlannedObject, live: KubeObject) => boolean;
  },
): Promise<ValidationResult> {
  const result: ValidationResult = { validated: [], deferred: [], failures: [] };
  const toCheck: PlannedObject[] = [];
  for (const p of planned) {
    const liveObj = live.get(p.id);
    if (p.options.ignore) continue;
    if (isHook(p) && liveObj !== undefined) {
      // A hook that exists from an earlier run is deleted and created again; its dry-run would only
      // report immutable fields.
      result.validated.push({ planned: p, live: liveObj });
      continue;
    }
    if (liveObj !== undefined && !isHook(p) && context.knownUnchanged?.(p, liveObj) === true) {
      // Nothing to ask the server: the same manifest against the same live object dry-runs the same way.
      result.validated.push({
        planned: p,
        live: liveObj,
        diff: { action: 'unchanged', changes: [], drift: [] },
      });
      continue;
    }
    const served = objects.discovery.knows(groupOf(p.object.apiVersion), p.ref.kind);
    if (
      !served &&
      (context.definedKinds.has(`${p.ref.group}/${p.ref.kind}`) || p.options.skipDryRunOnMissingResource)
    ) {
      result.deferred.push(p);
    } else if (p.ref.namespace !== '' && context.newNamespaces.has(p.ref.namespace)) {
      result.deferred.push(p);
    } else {
      toCheck.push(p);
    }
  }
  const checked = await mapLimited(toCheck, context.concurrency, (p) =>
    dryRunOne(objects, p, live.get(p.id)),
  );
  checked.forEach((outcome, index) => {
    const p = toCheck[index] as PlannedObject;
    if (outcome.status === 'fulfilled') result.validated.push(outcome.value);
    else result.failures.push(failureOf(p, outcome.reason));
  });
  return result;
}

async function dryRunOne(
  objects: ObjectsApi,
  planned: PlannedObject,
  live: KubeObject | undefined,
): Promise<ValidatedObject> {
  if (isGenerated(planned)) {
    // Server-side apply needs a name: a hook the server names is validated as it will be made, by a create.
    const dryRun = await objects.create(creationManifest(planned, 'dry-run'), 'validate', {
      dryRun: true,
      fieldManager: FIELD_MANAGER,
    });
    return {
      planned,
      live: undefined,
      dryRun,
      force: false,
      diff: diffObject(undefined, dryRun, FIELD_MANAGER),
    };
  }
  try {
    const { dryRun, force } = await dryRunTakingBackHandEdits(objects, planned, live);
    return { planned, live, dryRun, force, diff: diffObject(live, dryRun, FIELD_MANAGER) };
  } catch (error) {
    if (
      live !== undefined &&
      isImmutableFieldError(error) &&
      (planned.options.recreateOnImmutable || planned.options.replace)
    ) {
      return { planned, live, recreate: true, diff: { action: 'change', changes: [], drift: [] } };
    }
    throw error;
  }
}

/**
 * Server-side dry-run of a planned object, and whether applying it needs force. Git wins over hand edits
 * (kubectl edit/scale/patch): a conflict only with such managers is retried with force. Conflicts with
 * another *applier* are reported instead, unless the object asks for force.
 */
export async function dryRunTakingBackHandEdits(
  objects: ObjectsApi,
  planned: PlannedObject,
  live: KubeObject | undefined,
): Promise<{ dryRun: KubeObject; force: boolean }> {
  const force = planned.options.force;
  try {
    return { dryRun: await objects.apply(planned.object, { dryRun: true, force }), force };
  } catch (error) {
    if (force || live === undefined || !onlyUpdateManagersConflict(error, live)) throw error;
    return { dryRun: await objects.apply(planned.object, { dryRun: true, force: true }), force: true };
  }
}

/** The API server's way of saying an object must be recreated to change. */
export function isImmutableFieldError(error: unknown): boolean {
  if (!(error instanceof KubeApiError) || error.httpStatus !== 422) return false;
  return /field is immutable|are forbidden|may not be changed/.test(error.apiMessage);
}

function failureOf(planned: PlannedObject, error: unknown): ValidationFailure {
  if (isImmutableFieldError(error)) {
    return {
      planned,
      retry: 'terminal',
      message: (error as KubeApiError).apiMessage,
      hint: 'an immutable field changed: annotate the object with mooring.dev/recreate: on-immutable (or argocd.argoproj.io/sync-options: Replace=true) to let Mooring delete and recreate it',
    };
  }
  const missingNamespace =
    error instanceof KubeApiError ? /namespaces "([^"]+)" not found/.exec(error.apiMessage) : null;
  if (missingNamespace !== null) {
    return {
      planned,
      retry: 'waiting',
      message: `namespace ${missingNamespace[1] ?? ''} does not exist`,
      hint: 'create it, add a Namespace to the manifests, or pass --create-namespace',
    };
  }
  const retry = retryClassOf(error);
  if (error instanceof KubeApiError)
    return { planned, retry, message: `${error.apiMessage} (${error.reason})`, hint: error.hint };
  if (error instanceof MooringError) return { planned, retry, message: error.message, hint: error.hint };
  return { planned, retry, message: errorMessage(error) };
}

/**
 * True for an apply conflict whose conflicting managers only ever wrote with Update (kubectl edit, scale,
 * patch, client-side apply, controllers' updates), not with server-side apply of their own.
 */
export function onlyUpdateManagersConflict(error: unknown, live: KubeObject): boolean {
  if (!(error instanceof KubeApiError) || !error.isConflict) return false;
  const names = [...error.apiMessage.matchAll(/conflict with "([^"]+)"/g)].map((m) => m[1] ?? '');
  if (names.length === 0) return false;
  const entries = (live.metadata.managedFields ?? []) as { manager?: string; operation?: string }[];
  return names.every((name) => {
    const mine = entries.filter((e) => e.manager === name);
    return mine.length > 0 && mine.every((e) => e.operation === 'Update');
  });
}
