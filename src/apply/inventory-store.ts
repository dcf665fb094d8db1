import type { KubeObject } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { InventoryEntry } from '../plan/types.js';

/** Label on inventory ConfigMaps, so they can be found (and never mistaken for app objects). */
export const INVENTORY_LABEL = 'inventory.mooring.dev/app';

/** Where push mode keeps what an app owns: a ConfigMap per app in the destination namespace. */
export interface InventoryLocation {
  appName: string;
  namespace: string;
}

export function inventoryConfigMapName(appName: string): string {
  return `mooring-inventory-${appName}`.slice(0, 253);
}

/** A stored inventory: its entries and the exact text stored (to skip rewriting an unchanged one). */
export interface StoredInventory {
  entries: InventoryEntry[];
  text?: string;
}

/** The previous sync's inventory; no entries when the app was never applied. */
export async function loadInventory(objects: ObjectsApi, where: InventoryLocation): Promise<StoredInventory> {
  const cm = await objects.get('v1', {
    group: '',
    kind: 'ConfigMap',
    namespace: where.namespace,
    name: inventoryConfigMapName(where.appName),
  });
  const text = (cm?.data as Record<string, string> | undefined)?.['inventory.json'];
  if (text === undefined) return { entries: [] };
  const parsed = JSON.parse(text) as { entries?: InventoryEntry[] };
  return { entries: parsed.entries ?? [], text };
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
      name: inventoryConfigMapName(where.appName),
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
