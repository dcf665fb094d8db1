/**
 * The plan stage: rendered objects in, an ordered plan out — namespaces defaulted, tracking set, hooks and
 * waves read, inventory and prune set computed, safety brake checked. Pure; problems that do not stop the
 * plan are returned as warnings.
 */
import { MooringError } from '../core/errors.js';
import { objectId, refOf, subjectOf } from '../core/objects.js';
import type { KubeObject } from '../core/objects.js';
import { parseObjectAnnotations } from './annotations.js';
import type { ObjectAnnotations } from './annotations.js';
import {
  generatedPrefixOf,
  markGenerated,
  numberGeneratedTwins,
  refuseGeneratedNonHooks,
} from './generated.js';
import { inventoryOf } from './inventory.js';
import { applyOrder } from './order.js';
import { checkPruneBrake, pruneCandidates } from './prune.js';
import { refuseInventoryNames } from './ownership.js';
import { crdScopesOf, scopedRefOf } from './scope.js';
import type { ScopeLookup } from './scope.js';
import { validateAppName, withTracking } from './tracking.js';
import type { Plan, PlanInput, PlannedObject } from './types.js';

export { parseObjectAnnotations } from './annotations.js';
export {
  diffInventory,
  intersectInventory,
  inventoryOf,
  mergeInventory,
  sortInventory,
} from './inventory.js';
export {
  creationManifest,
  generatedHookSelector,
  HOOK_ID_LABEL,
  HOOK_SYNC_ANNOTATION,
  isGenerated,
} from './generated.js';
export { applyOrder, groupIntoWaves, isHook, kindRank, pruneOrder } from './order.js';
export {
  checkPruneBrake,
  DEFAULT_PRUNE_BRAKE,
  pruneCandidates,
  sortForPrune,
  subjectOfEntry,
} from './prune.js';
export {
  checkOwnership,
  HANDOVER_ANNOTATION,
  INVENTORY_LABEL,
  INVENTORY_NAME_PREFIX,
  isInventoryName,
  ownerOf,
} from './ownership.js';
export type { OwnershipCheck, OwnershipConflict } from './ownership.js';
export {
  isTrackedBy,
  parseTrackingId,
  TRACKING_ANNOTATION,
  TRACKING_LABEL,
  trackingIdOf,
  validateAppName,
} from './tracking.js';

interface Annotated {
  object: KubeObject;
  annotations: ObjectAnnotations;
}

/** One object as planned: namespace defaulted, tracking set; its warnings go to `warnings`. */
function planObject(
  { object, annotations }: Annotated,
  input: PlanInput,
  lookup: ScopeLookup,
  warnings: string[],
): PlannedObject {
  const { ref, warning } = scopedRefOf(object, lookup, input.defaultNamespace);
  if (warning !== undefined) warnings.push(warning);
  const subject = subjectOf(ref);
  for (const text of annotations.warnings) warnings.push(`${subject}: ${text}`);
  const applied = withTracking(object, input.appName, ref);
  if (ref.namespace !== '') applied.metadata.namespace = ref.namespace;
  const planned: PlannedObject = {
    object: applied,
    ref,
    id: objectId(ref),
    phase: annotations.phase,
    wave: annotations.wave,
    options: annotations.options,
  };
  if (annotations.hookDeletePolicies !== undefined)
    planned.hookDeletePolicies = annotations.hookDeletePolicies;
  const prefix = generatedPrefixOf(object);
  if (prefix !== undefined) {
    planned.generateName = prefix;
    planned.object = markGenerated(applied, input.appName, planned.id);
  }
  return planned;
}

function refuseDuplicates(planned: readonly PlannedObject[]): void {
  const seen = new Set<string>();
  for (const { id, ref } of planned) {
    if (!seen.has(id)) {
      seen.add(id);
      continue;
    }
    const subject = subjectOf(ref);
    throw new MooringError(
      'INVALID_MANIFEST',
      `${subject} appears more than once in the rendered manifests`,
      {
        step: 'plan',
        subject,
        hint: 'each object may be defined once per application; look for the same object in two files, overlays or charts',
      },
    );
  }
}

/**
 * Plans one sync of an application. Throws MooringError: INVALID_ARGUMENT for an app name that cannot be a
 * label value, INVALID_MANIFEST for unknown kinds or duplicate objects, PLAN_REFUSED from the prune brake or
 * for an object named like a push-mode inventory ConfigMap.
 */
export function buildPlan(input: PlanInput): Plan {
  validateAppName(input.appName);
  const warnings: string[] = [];
  const kept: Annotated[] = [];
  for (const object of input.objects) {
    const annotations = parseObjectAnnotations(object.metadata.annotations, input.defaultDrift);
    if (annotations.skip) {
      const subject = subjectOf(refOf(object));
      for (const text of annotations.warnings) warnings.push(`${subject}: ${text}`);
    } else {
      kept.push({ object, annotations });
    }
  }
  const lookup: ScopeLookup = {
    isNamespaced: input.isNamespaced,
    crdScopes: crdScopesOf(kept.map((k) => k.object)),
  };
  const objects = numberGeneratedTwins(
    kept.map((k) => planObject(k, input, lookup, warnings)),
    input.appName,
  ).sort(applyOrder);
  refuseGeneratedNonHooks(objects);
  refuseDuplicates(objects);
  refuseInventoryNames(input.appName, objects);
  const inventory = inventoryOf(objects);
  const { pruneSet, orphaned } = pruneCandidates(input.previousInventory, inventory, input.prune);
  checkPruneBrake(pruneSet, input.previousInventory, input.pruneBrake);
  return { objects, inventory, pruneSet, orphaned, warnings };
}
