import { MooringError } from '../core/errors.js';
import { isRecord, subjectOf } from '../core/objects.js';
import type { KubeObject, ObjectRef } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { INVENTORY_LABEL, INVENTORY_NAME_PREFIX } from '../plan/ownership.js';
import { TRACKING_ANNOTATION, TRACKING_LABEL } from '../plan/tracking.js';
import type { InventoryEntry } from '../plan/types.js';

/** Label on inventory ConfigMaps, so they can be found (and never mistaken for app objects). */
export { INVENTORY_LABEL };

/** Where push mode keeps what an app owns: a ConfigMap per app in the destination namespace. */
export interface InventoryLocation {
  appName: string;
  namespace: string;
}

export function inventoryConfigMapName(appName: string): string {
  return `${INVENTORY_NAME_PREFIX}${appName}`.slice(0, 253);
}

function inventoryRef(where: InventoryLocation): ObjectRef {
  return {
    group: '',
    kind: 'ConfigMap',
    namespace: where.namespace,
    name: inventoryConfigMapName(where.appName),
  };
}

/** A stored inventory: its entries and the exact text stored (to skip rewriting an unchanged one). */
export interface StoredInventory {
  entries: InventoryEntry[];
  text?: string;
}

function refused(where: InventoryLocation, problem: string, hint: string): MooringError {
  const subject = subjectOf(inventoryRef(where));
  return new MooringError(
    'PLAN_REFUSED',
    `inventory ${subject} of application "${where.appName}" ${problem}; nothing was applied`,
    { step: 'inventory', subject, hint },
  );
}

const FOREIGN_HINT =
  'Mooring did not write this ConfigMap (an application applied it, or it names another app): delete it only after checking what the app owns';
const MALFORMED_HINT =
  'the ConfigMap was edited or damaged: restore it, or delete it (the app then owns nothing and prunes nothing until its next sync)';

/**
 * Refuses a ConfigMap the store did not write: the store's ConfigMaps carry the inventory label naming the
 * app and never Mooring's tracking label or annotation (every object an application applies carries them).
 */
function checkWrittenByStore(cm: KubeObject, where: InventoryLocation): void {
  const labels = cm.metadata.labels ?? {};
  const annotations = cm.metadata.annotations ?? {};
  const tracked = annotations[TRACKING_ANNOTATION] ?? labels[TRACKING_LABEL];
  if (tracked !== undefined)
    throw refused(
      where,
      `was applied by an application (tracking: ${tracked}), not written by Mooring`,
      FOREIGN_HINT,
    );
  if (labels[INVENTORY_LABEL] !== where.appName)
    throw refused(
      where,
      `does not carry the label ${INVENTORY_LABEL}: ${where.appName}, so Mooring did not write it for this app`,
      FOREIGN_HINT,
    );
}

/** The entries of a stored inventory text, validated; a MooringError naming the ConfigMap otherwise. */
export function parseInventoryText(text: unknown, where: InventoryLocation): InventoryEntry[] {
  if (typeof text !== 'string') throw refused(where, 'has no data key inventory.json', MALFORMED_HINT);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refused(
      where,
      `holds inventory.json that is not JSON (${(error as Error).message})`,
      MALFORMED_HINT,
    );
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.entries))
    throw refused(where, 'holds inventory.json without an entries list', MALFORMED_HINT);
  if (parsed.app !== where.appName)
    throw refused(where, `holds the inventory of application ${JSON.stringify(parsed.app)}`, FOREIGN_HINT);
  const entries: InventoryEntry[] = [];
  for (const [index, entry] of parsed.entries.entries()) {
    if (!isRecord(entry) || typeof entry.id !== 'string' || typeof entry.v !== 'string' || entry.id === '')
      throw refused(where, `holds inventory entry ${index + 1} that is not {id, v} strings`, MALFORMED_HINT);
    entries.push({ id: entry.id, v: entry.v });
  }
  return entries;
}

/**
 * The previous sync's inventory; no entries when the app was never applied. A ConfigMap Mooring did not
 * write for this app, or a damaged one, is a PLAN_REFUSED error naming it (never silently trusted).
 */
export async function loadInventory(objects: ObjectsApi, where: InventoryLocation): Promise<StoredInventory> {
  const cm = await objects.get('v1', inventoryRef(where));
  if (cm === undefined) return { entries: [] };
  checkWrittenByStore(cm, where);
  const data = isRecord(cm.data) ? cm.data : {};
  const text = data['inventory.json'];
  const entries = parseInventoryText(text, where);
  return { entries, text: text as string };
}

function inventoryText(appName: string, entries: InventoryEntry[], revision: string | undefined): string {
  const sorted = [...entries].sort((a, b) => a.id.localeCompare(b.id));
  return JSON.stringify({ app: appName, revision: revision ?? '', entries: sorted }, null, 1);
}

/** Records the inventory (server-side apply by Mooring's field manager); no request when it is unchanged. */
export async function saveInventory(
  objects: ObjectsApi,
  where: InventoryLocation,
  entries: InventoryEntry[],
  revision: string | undefined,
  previous: StoredInventory,
): Promise<void> {
  const text = inventoryText(where.appName, entries, revision);
  if (text === previous.text) return;
  const cm: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryRef(where).name,
      namespace: where.namespace,
      labels: { [INVENTORY_LABEL]: where.appName, 'app.kubernetes.io/managed-by': 'mooring' },
    },
    data: {
      'inventory.json': text,
    },
  };
  await objects.apply(cm, { step: 'inventory' });
}

/** Where an app's inventory lives: a ConfigMap in push mode, the Application's status in the controller. */
export interface InventoryStore {
  load(): Promise<StoredInventory>;
  /** Records the inventory after a sync (may do nothing if the caller records it itself). */
  save(entries: InventoryEntry[], revision: string | undefined, previous: StoredInventory): Promise<void>;
  /**
   * Records, before anything is applied, every id the app may own once this sync is done (what it owned
   * plus what it is about to create), so that a sync killed half-way leaves no object it created unowned.
   */
  saveIntent?(entries: InventoryEntry[]): Promise<void>;
}

/** Push mode's store: ConfigMap mooring-inventory-<app> in the destination namespace. */
export function configMapInventoryStore(objects: ObjectsApi, where: InventoryLocation): InventoryStore {
  return {
    load: () => loadInventory(objects, where),
    save: (entries, revision, previous) => saveInventory(objects, where, entries, revision, previous),
  };
}
