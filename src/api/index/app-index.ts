/**
 * The in-memory index of Applications the API lists from: fed by the controller's Application watch (or a
 * watch of its own, `watchApplications`), one summary per app, the whole list kept sorted per sort key
 * asked for (sorted once, then each change moved into place), so a filtered first page is one scan that
 * stops at `limit`, and a
 * later page a binary search to the cursor then the same scan. Changes are numbered and offered to
 * subscribers (the server-sent event stream).
 */
import type { Application } from '../../app/model.js';
import { appKeyOf } from '../../app/model.js';
import type { CursorPosition, ListParams, ListQuery, SortKey } from './query.js';
import { comparePositions, encodeCursor, matches, positionOf } from './query.js';
import type { ApplicationSummary, IndexedApplication } from './summary.js';
import { indexEntryOf } from './summary.js';

/** One change of the index, in order (`seq` grows by one per change). */
export interface IndexChange {
  seq: number;
  type: 'upsert' | 'delete';
  summary: ApplicationSummary;
}

export type IndexListener = (change: IndexChange) => void;

/** A page of the list. */
export interface ListPage {
  items: ApplicationSummary[];
  /** How many apps match the query (every page, not only this one) among those the caller may see. */
  total: number;
  /** Pass back as `continue` for the next page; absent on the last page. */
  continue?: string;
}

/** Apps counted by sync and by health status (one group of `tally`). */
export interface AppCounts {
  total: number;
  sync: Record<string, number>;
  health: Record<string, number>;
}

/** Where Application events come from (the controller, or `watchApplications`). */
export interface ApplicationFeed {
  onApplication(type: 'ADDED' | 'MODIFIED' | 'DELETED', app: Application): void;
}

export class ApplicationIndex implements ApplicationFeed {
  private readonly byKey = new Map<string, IndexedApplication>();
  private readonly sorted = new Map<string, IndexedApplication[]>();
  private readonly listeners = new Set<IndexListener>();
  /** Apps per namespace (the namespaces a caller's list is reviewed for). */
  private readonly perNamespace = new Map<string, number>();
  private seqValue = 0;
  private syncedValue = false;

  /** Takes one watch event. */
  onApplication(type: 'ADDED' | 'MODIFIED' | 'DELETED', app: Application): void {
    const key = appKeyOf(app);
    const before = this.byKey.get(key);
    const namespace = app.metadata.namespace;
    if (type === 'DELETED') {
      if (before === undefined) return;
      this.byKey.delete(key);
      const left = (this.perNamespace.get(namespace) ?? 1) - 1;
      if (left > 0) this.perNamespace.set(namespace, left);
      else this.perNamespace.delete(namespace);
      this.reorder(before, undefined);
      this.changed('delete', before.summary);
      return;
    }
    const entry = indexEntryOf(app);
    this.byKey.set(key, entry);
    if (before === undefined) this.perNamespace.set(namespace, (this.perNamespace.get(namespace) ?? 0) + 1);
    this.reorder(before, entry);
    this.changed('upsert', entry.summary);
  }

  /** The feed has delivered its initial list: the index answers for the whole cluster now. */
  markSynced(): void {
    this.syncedValue = true;
  }

  get synced(): boolean {
    return this.syncedValue;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The number of the last change (0 before any). */
  get seq(): number {
    return this.seqValue;
  }

  /** The Application `namespace/name` as last delivered. */
  get(namespace: string, name: string): Application | undefined {
    return this.byKey.get(`${namespace}/${name}`)?.app;
  }

  /** The namespaces that hold at least one Application. */
  namespaces(): Set<string> {
    return new Set(this.perNamespace.keys());
  }

  /** Calls `listener` for every later change; returns the function that stops it. */
  subscribe(listener: IndexListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One page of the apps that match `query`, among the namespaces in `visible` ('all': every one), in the
   * query's order, after its cursor. `params` are the raw parameters the cursor is bound to.
   */
  list(query: ListQuery, params: ListParams, visible: ReadonlySet<string> | 'all'): ListPage {
    const order = this.sortedBy(query.sort, query.descending);
    const start = query.after === undefined ? 0 : this.firstAfter(order, query, query.after);
    const items: ApplicationSummary[] = [];
    let more = false;
    for (let i = start; i < order.length; i++) {
      const entry = order[i] as IndexedApplication;
      if (!matches(entry, query, visible)) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(entry.summary);
    }
    const last = items[items.length - 1];
    return {
      items,
      total: this.total(query, visible),
      ...(more && last !== undefined ? { continue: encodeCursor(params, query, last) } : {}),
    };
  }

  /**
   * How many apps match `query` among `visible`. Without filters other than namespaces it is read from the
   * per-namespace counts (no scan); with filters, one pass over the apps (each test a set lookup).
   */
  total(query: ListQuery, visible: ReadonlySet<string> | 'all'): number {
    const filtered =
      query.projects !== undefined ||
      query.clusters !== undefined ||
      query.syncs !== undefined ||
      query.healths !== undefined ||
      query.text !== undefined ||
      query.selector !== undefined;
    if (!filtered) {
      if (visible === 'all' && query.namespaces === undefined) return this.byKey.size;
      let count = 0;
      for (const [namespace, apps] of this.perNamespace)
        if (
          (visible === 'all' || visible.has(namespace)) &&
          (query.namespaces === undefined || query.namespaces.has(namespace))
        )
          count += apps;
      return count;
    }
    let count = 0;
    for (const entry of this.byKey.values()) if (matches(entry, query, visible)) count++;
    return count;
  }

  /**
   * The apps among `visible`, grouped by their project or destination cluster, each group counted by sync
   * and health status: one pass over the index.
   */
  tally(by: 'project' | 'cluster', visible: ReadonlySet<string> | 'all'): Map<string, AppCounts> {
    const groups = new Map<string, AppCounts>();
    for (const { summary } of this.byKey.values()) {
      if (visible !== 'all' && !visible.has(summary.namespace)) continue;
      const key = summary[by];
      let counts = groups.get(key);
      if (counts === undefined) {
        counts = { total: 0, sync: {}, health: {} };
        groups.set(key, counts);
      }
      counts.total++;
      counts.sync[summary.sync] = (counts.sync[summary.sync] ?? 0) + 1;
      counts.health[summary.health] = (counts.health[summary.health] ?? 0) + 1;
    }
    return groups;
  }

  /**
   * Keeps every sorted view current after one app changed: the old entry is taken out and the new one put
   * in at its place (two binary searches), instead of sorting 10,000 apps again for the next request.
   */
  private reorder(before: IndexedApplication | undefined, after: IndexedApplication | undefined): void {
    for (const [cacheKey, order] of this.sorted) {
      const descending = cacheKey.startsWith('-');
      const key = (descending ? cacheKey.slice(1) : cacheKey) as SortKey;
      if (before !== undefined) {
        const at = this.lowerBound(order, key, descending, positionOf(before.summary, key));
        if (order[at] === before) order.splice(at, 1);
        else {
          // Not where it should be (cannot happen unless the view is stale): sort again when next asked.
          this.sorted.delete(cacheKey);
          continue;
        }
      }
      if (after !== undefined)
        order.splice(this.lowerBound(order, key, descending, positionOf(after.summary, key)), 0, after);
    }
  }

  /** The first index whose position is not before `position`. */
  private lowerBound(
    order: IndexedApplication[],
    key: SortKey,
    descending: boolean,
    position: CursorPosition,
  ): number {
    let low = 0;
    let high = order.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (
        comparePositions(
          key,
          descending,
          positionOf((order[mid] as IndexedApplication).summary, key),
          position,
        ) < 0
      )
        low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private changed(type: IndexChange['type'], summary: ApplicationSummary): void {
    const change: IndexChange = { seq: ++this.seqValue, type, summary };
    for (const listener of this.listeners) listener(change);
  }

  private sortedBy(key: SortKey, descending: boolean): IndexedApplication[] {
    const cacheKey = `${descending ? '-' : ''}${key}`;
    let order = this.sorted.get(cacheKey);
    if (order === undefined) {
      const withPositions = [...this.byKey.values()].map((entry) => ({
        entry,
        position: positionOf(entry.summary, key),
      }));
      withPositions.sort((a, b) => comparePositions(key, descending, a.position, b.position));
      order = withPositions.map((p) => p.entry);
      this.sorted.set(cacheKey, order);
    }
    return order;
  }

  /** The index of the first app strictly after `after` (binary search). */
  private firstAfter(order: IndexedApplication[], query: ListQuery, after: CursorPosition): number {
    const at = this.lowerBound(order, query.sort, query.descending, after);
    const there = order[at];
    return there !== undefined &&
      comparePositions(query.sort, query.descending, positionOf(there.summary, query.sort), after) === 0
      ? at + 1
      : at;
  }
}
