import type { KubeObject } from '../core/objects.js';
import { objectId, refOf } from '../core/objects.js';
import { normalizeForCompare } from '../diff/normalize.js';
import type { ManagedFieldsEntry } from '../diff/ownership.js';
import { assessHealth } from '../health/index.js';
import type { HealthResult } from '../health/types.js';
import type { Logger } from '../core/logger.js';
import { FIELD_MANAGER } from '../kube/objects-api.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Watcher } from '../kube/watch.js';
import { HOOK_ID_LABEL } from '../plan/generated.js';
import type { PlannedObject } from '../plan/types.js';
import { TRACKING_LABEL } from '../plan/tracking.js';

/** A change to a managed object made by someone other than Mooring. */
export interface DriftSignal {
  appName: string;
  id: string;
  type: 'MODIFIED' | 'DELETED';
  at: number;
}

/**
 * What other writers (not Mooring, not status updaters) have recorded in managedFields. When this changes
 * together with the content, someone else changed the object. (Times alone do not tell: updates through
 * the scale subresource record no time.) Pure.
 */
export function othersSignature(obj: KubeObject): string {
  const entries = ((obj.metadata.managedFields ?? []) as ManagedFieldsEntry[])
    .filter((e) => e.subresource !== 'status' && !(e.manager === FIELD_MANAGER && e.operation === 'Apply'))
    .map((e) => [e.manager, e.operation, e.subresource, e.time, e.fieldsV1]);
  return JSON.stringify(entries);
}

/**
 * Live state of every object Mooring manages, by watch: one list+watch per kind in use, filtered by the
 * tracking label, so memory grows with what Mooring manages rather than with the cluster. A change whose
 * content (not status) differs and whose managedFields show another writer is reported at once as drift.
 */
export class LiveCache {
  private readonly watchers = new Map<string, Watcher>();
  private readonly objects = new Map<string, KubeObject>();
  private readonly content = new Map<string, string>();
  private readonly others = new Map<string, string>();
  /** When someone else last changed or deleted each object (Date.now()). */
  private readonly drifts = new Map<string, number>();
  /** When each watch's initial list was in (Date.now()), by watch key: from then on every change is seen. */
  private readonly syncedAt = new Map<string, number>();
  /** Watches whose initial list is not in yet (at most 10 s), by watch key. */
  private readonly listings = new Map<string, Promise<void>>();

  constructor(
    private readonly api: ObjectsApi,
    private readonly onDrift: (signal: DriftSignal) => void,
    private readonly logger: Logger,
    /** Called when a managed object's health changes (its status moved): the app's status is stale. */
    private readonly onHealthChange: (appName: string) => void = () => undefined,
    /**
     * Watch namespaced kinds only in these namespaces (one watch each) instead of cluster-wide: the
     * namespace-scoped install grants list/watch per managed namespace, not at the cluster scope.
     */
    private readonly namespaces?: readonly string[],
    /** How an object of an app (by tracking name) is judged: custom checks in front of the built-in rules. */
    private readonly assess: (appName: string | undefined, obj: KubeObject | undefined) => HealthResult = (
      _appName,
      obj,
    ) => assessHealth(obj),
  ) {}

  /** Starts watching kinds not watched yet; resolves when their initial lists are in. */
  async ensureWatching(kinds: { apiVersion: string; kind: string }[]): Promise<void> {
    const starting: Promise<void>[] = [];
    for (const { apiVersion, kind, namespace } of this.watchTargets(kinds)) {
      const key = `${apiVersion}|${kind}|${namespace ?? ''}`;
      const listing = this.listings.get(key);
      if (listing !== undefined) {
        // Started by another sync: wait for its initial list too, rather than read a half-filled cache.
        starting.push(listing);
        continue;
      }
      if (this.watchers.has(key)) continue;
      const listed = new Promise<void>((resolve) => {
        const watcher = this.api.watch({
          apiVersion,
          kind,
          ...(namespace === undefined ? {} : { namespace }),
          labelSelector: TRACKING_LABEL,
          onEvent: (event) => {
            this.observe(event.type, event.object);
          },
          onSynced: () => {
            if (!this.syncedAt.has(key)) this.syncedAt.set(key, Date.now());
            resolve();
          },
          onError: (error) => {
            this.logger.warn({ kind, err: error.message }, 'watch interrupted; resuming');
          },
        });
        this.watchers.set(key, watcher);
        setTimeout(resolve, 10_000).unref();
      });
      this.listings.set(key, listed);
      void listed.then(() => {
        this.listings.delete(key);
      });
      starting.push(listed);
    }
    await Promise.all(starting);
  }

  /** One cluster-wide watch per kind, or with `namespaces`, one per namespace for namespaced kinds. */
  private watchTargets(
    kinds: { apiVersion: string; kind: string }[],
  ): { apiVersion: string; kind: string; namespace?: string }[] {
    const namespaces = this.namespaces;
    if (namespaces === undefined) return kinds;
    return kinds.flatMap((k) => {
      const group = k.apiVersion.includes('/') ? (k.apiVersion.split('/')[0] ?? '') : '';
      if (this.api.discovery.isNamespaced(group, k.kind) === false) return [k];
      return namespaces.map((namespace) => ({ ...k, namespace }));
    });
  }

  get(id: string): KubeObject | undefined {
    return this.objects.get(id);
  }

  /**
   * The engine's live source: the cached objects of `planned`, after starting the watches of their kinds
   * (kinds the cluster does not serve yet are left to the engine). An object not returned may still exist.
   */
  async known(planned: readonly PlannedObject[]): Promise<Map<string, KubeObject>> {
    const served = planned.filter(
      (p) => p.generateName === undefined && this.api.discovery.knows(p.ref.group, p.ref.kind),
    );
    await this.ensureWatching(served.map((p) => ({ apiVersion: p.object.apiVersion, kind: p.ref.kind })));
    const found = new Map<string, KubeObject>();
    for (const p of served) {
      const obj = this.objects.get(p.id);
      if (obj !== undefined) found.set(p.id, obj);
    }
    return found;
  }

  /** When the last change by someone else to the object `id` was seen; undefined: none since the start. */
  lastDriftAt(id: string): number | undefined {
    return this.drifts.get(id);
  }

  /**
   * Since when every change to objects of this kind (in `namespace`) has been seen: the time the watch's
   * initial list was in; undefined while it is not (or the kind is not watched).
   */
  watchedSince(apiVersion: string, kind: string, namespace: string): number | undefined {
    const [target] = this.watchTargets([{ apiVersion, kind }]).filter(
      (t) => t.namespace === undefined || t.namespace === namespace,
    );
    if (target === undefined) return undefined;
    return this.syncedAt.get(`${target.apiVersion}|${target.kind}|${target.namespace ?? ''}`);
  }

  get watchedKinds(): number {
    return this.watchers.size;
  }

  stop(): void {
    for (const w of this.watchers.values()) w.stop();
    this.watchers.clear();
    this.syncedAt.clear();
    this.listings.clear();
  }

  private observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    // A run of a generateName hook is not part of the app's steady state: never drift, never health.
    if (obj.metadata.labels?.[HOOK_ID_LABEL] !== undefined) return;
    const id = objectId(refOf(obj));
    const appName = obj.metadata.labels?.[TRACKING_LABEL];
    if (type === 'DELETED') {
      this.objects.delete(id);
      this.content.delete(id);
      this.others.delete(id);
      this.drifts.set(id, Date.now());
      if (appName !== undefined) this.onDrift({ appName, id, type, at: Date.now() });
      return;
    }
    const key = JSON.stringify(normalizeForCompare(obj));
    const signature = othersSignature(obj);
    const before = this.content.get(id);
    const othersBefore = this.others.get(id);
    const healthBefore = JSON.stringify(this.assess(appName, this.objects.get(id)));
    this.objects.set(id, obj);
    this.content.set(id, key);
    this.others.set(id, signature);
    if (
      type === 'MODIFIED' &&
      before !== undefined &&
      before !== key &&
      appName !== undefined &&
      othersBefore !== signature
    ) {
      this.drifts.set(id, Date.now());
      this.onDrift({ appName, id, type, at: Date.now() });
    }
    if (appName !== undefined && JSON.stringify(this.assess(appName, obj)) !== healthBefore)
      this.onHealthChange(appName);
  }
}
