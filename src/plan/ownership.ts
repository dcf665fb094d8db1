/**
 * Ownership between applications (Argo CD's SharedResourceWarning, Flux's inventory ownership): an object
 * whose live tracking annotation names another application is never taken over, unless that application
 * hands it over explicitly. Mooring's own push-mode inventory ConfigMaps are never app objects. Pure.
 */
import { MooringError } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import { refOf, sameRef, subjectOf } from '../core/objects.js';
import { parseTrackingId, TRACKING_ANNOTATION } from './tracking.js';
import type { PlannedObject } from './types.js';

/**
 * Set by the owning application's manifests on an object it gives away: the tracking name of the one
 * application that may take it over. Once that application has applied it, the giver drops it from its
 * inventory without deleting it.
 */
export const HANDOVER_ANNOTATION = 'mooring.dev/handover-to';

/** Label on push-mode inventory ConfigMaps: the application whose inventory it holds. */
export const INVENTORY_LABEL = 'inventory.mooring.dev/app';
/** Every push-mode inventory ConfigMap is named `mooring-inventory-<app>`; no app may apply such a name. */
export const INVENTORY_NAME_PREFIX = 'mooring-inventory-';

/** The application that tracks a live object: its tracking annotation, when that names the object itself. */
export function ownerOf(live: KubeObject): string | undefined {
  const value = live.metadata.annotations?.[TRACKING_ANNOTATION];
  if (value === undefined) return undefined;
  const tracking = parseTrackingId(value);
  return tracking !== undefined && sameRef(tracking.ref, refOf(live)) ? tracking.appName : undefined;
}

/** An object this app may not apply because another app owns it. */
export interface OwnershipConflict {
  planned: PlannedObject;
  /** The application that tracks the live object (or whose inventory it is). */
  owner: string;
  message: string;
  hint: string;
}

export interface OwnershipCheck {
  conflicts: OwnershipConflict[];
  /** This app's objects that it handed over and that the receiving app has taken: not applied, not owned. */
  handedOver: { planned: PlannedObject; owner: string }[];
  /** Objects another app handed over to this one (taken over by this sync). */
  received: { planned: PlannedObject; from: string }[];
}

/** Whether a ConfigMap name is one of the names reserved for push-mode inventories. */
export function isInventoryName(group: string, kind: string, name: string): boolean {
  return group === '' && kind === 'ConfigMap' && name.startsWith(INVENTORY_NAME_PREFIX);
}

/**
 * Refuses, in the plan, any object that would be (or overwrite) a push-mode inventory ConfigMap: the names
 * are reserved in every namespace, whether or not the inventory exists yet, so an app can neither forge nor
 * pre-create another app's inventory.
 */
export function refuseInventoryNames(appName: string, planned: readonly PlannedObject[]): void {
  const reserved = planned.find((p) => isInventoryName(p.ref.group, p.ref.kind, p.ref.name));
  if (reserved === undefined) return;
  const subject = subjectOf(reserved.ref);
  throw new MooringError(
    'PLAN_REFUSED',
    `application "${appName}" may not apply ${subject}: ConfigMaps named ${INVENTORY_NAME_PREFIX}* hold Mooring's record of what an application owns; nothing was applied`,
    {
      step: 'plan',
      subject,
      hint: `rename the ConfigMap in the manifests (the prefix ${INVENTORY_NAME_PREFIX} is reserved for Mooring)`,
    },
  );
}

function conflictOf(appName: string, planned: PlannedObject, owner: string): OwnershipConflict {
  const subject = subjectOf(planned.ref);
  return {
    planned,
    owner,
    message: `${subject} is tracked by application "${owner}"; application "${appName}" may not take it over (shared resource)`,
    hint:
      `define the object in one application only, or hand it over: "${owner}" sets the annotation ${HANDOVER_ANNOTATION}: ${appName} on it and syncs, then "${appName}" syncs; ` +
      `if "${owner}" cannot (it no longer exists, or was installed by a command), someone allowed to edit the live object sets that annotation on it`,
  };
}

/**
 * Compares each planned object with its live counterpart. A live object tracked by another app is a
 * conflict, unless (a) the live object carries `mooring.dev/handover-to: <this app>` (this app receives it)
 * or (b) this app's own manifest hands it to exactly the app that now tracks it (the handover is done).
 * Objects left alone entirely (`mooring.dev/apply: ignore`) are not written and are not checked.
 */
export function checkOwnership(
  appName: string,
  planned: readonly PlannedObject[],
  live: ReadonlyMap<string, KubeObject>,
): OwnershipCheck {
  const check: OwnershipCheck = { conflicts: [], handedOver: [], received: [] };
  for (const p of planned) {
    const liveObject = live.get(p.id);
    if (p.options.ignore || liveObject === undefined) continue;
    const inventoryOf = liveObject.metadata.labels?.[INVENTORY_LABEL];
    if (inventoryOf !== undefined && p.ref.group === '' && p.ref.kind === 'ConfigMap') {
      check.conflicts.push({
        ...conflictOf(appName, p, inventoryOf),
        message: `${subjectOf(p.ref)} is the inventory of application "${inventoryOf}"; application "${appName}" may not overwrite it`,
        hint: 'rename the ConfigMap in the manifests: Mooring inventories are never app objects',
      });
      continue;
    }
    const owner = ownerOf(liveObject);
    if (owner === undefined || owner === appName) continue;
    if (liveObject.metadata.annotations?.[HANDOVER_ANNOTATION] === appName) {
      check.received.push({ planned: p, from: owner });
    } else if (p.object.metadata.annotations?.[HANDOVER_ANNOTATION] === owner) {
      check.handedOver.push({ planned: p, owner });
    } else {
      check.conflicts.push(conflictOf(appName, p, owner));
    }
  }
  return check;
}
