/**
 * Server-sent events of Application changes.
 *  - `StreamHub` follows the API's Application index, and watches SyncRecords and the Events about
 *    Applications (in the namespaces the controller serves), and turns each change into one buffered event (stream-buffer.ts): `application`
 *    (with its list summary and its status, and which of the two changed), `deleted`, `record` (a new
 *    SyncRecord), `event` (a Kubernetes Event about an Application). The initial lists are the state, not
 *    changes: clients read it over REST, then follow the stream.
 *  - `serveEvents` writes one client's stream: the events after its `Last-Event-ID` (or `reset` when they
 *    are gone), then live ones, each checked against the client's filter and re-authorised for its namespace
 *    (the answer is kept at most `recheckMs`, so revoking a RoleBinding stops the stream), heartbeats, and a
 *    client that does not read is cut off (it resumes from its last id) rather than buffered without limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import { isRecord } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Watcher, WatchEventType } from '../kube/watch.js';
import type { Application } from '../app/model.js';
import { MOORING_API_VERSION, RECORD_APP_LABEL } from '../app/model.js';
import type { IndexChange } from './index/app-index.js';
import type { IndexedApplication } from './index/summary.js';
import { indexEntryOf } from './index/summary.js';
import type { BufferedEvent } from './stream-buffer.js';
import { EventRing, formatEvent } from './stream-buffer.js';
import { watchScopes } from '../kube/watch-scopes.js';

/** One change, as the hub buffers it. `entry` is the app's list summary with what the list filters on. */
export type StreamChange =
  | {
      kind: 'application';
      namespace: string;
      name: string;
      entry: Pick<IndexedApplication, 'summary' | 'labels' | 'searchText'>;
      status: unknown;
      summaryChanged: boolean;
      statusChanged: boolean;
    }
  | {
      kind: 'deleted';
      namespace: string;
      name: string;
      entry: Pick<IndexedApplication, 'summary' | 'labels' | 'searchText'>;
    }
  | { kind: 'record'; namespace: string; name: string; record: Record<string, unknown> }
  | { kind: 'event'; namespace: string; name: string; event: Record<string, unknown> };

/** The part of the API's Application index the hub follows (its changes, and the app each names). */
export interface IndexFeed {
  readonly synced: boolean;
  subscribe(listener: (change: IndexChange) => void): () => void;
  get(namespace: string, name: string): Application | undefined;
}

export interface StreamHubOptions {
  /** Application changes come from the API's index (fed by the controller's watch: no second watch). */
  index: IndexFeed;
  /** The controller's connection (SyncRecords and Events live on its cluster). */
  objects: ObjectsApi;
  /** 'all' (one cluster-wide watch per kind) or the namespaces whose Applications are served. */
  namespaces: readonly string[] | 'all';
  logger: Logger;
  /** Events kept for resumption (default 2,000). */
  capacity?: number;
}

/**
 * Turns Application changes (from the index), new SyncRecords and Events about Applications (its own two
 * watches) into buffered stream events. Before the index and the watches have listed everything, what
 * arrives is the initial state, not news: it is remembered, not streamed.
 */
export class StreamHub {
  readonly ring: EventRing<StreamChange>;
  private readonly watchers: Watcher[] = [];
  private readonly apps = new Map<
    string,
    { summary: string; status: string; entry: Pick<IndexedApplication, 'summary' | 'labels' | 'searchText'> }
  >();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: StreamHubOptions) {
    this.ring = new EventRing<StreamChange>(options.capacity ?? 2000);
    this.unsubscribe = options.index.subscribe((change) => {
      this.onIndexChange(change);
    });
  }

  /** Starts the SyncRecord and Event watches; resolves when their initial lists are in. */
  async start(): Promise<void> {
    const namespaces = watchScopes(this.options.namespaces);
    const starts: Promise<void>[] = [];
    for (const namespace of namespaces) {
      starts.push(
        this.watch('SyncRecord', MOORING_API_VERSION, namespace, undefined, (t, o, s) => {
          this.onRecord(t, o, s);
        }),
        this.watch('Event', 'v1', namespace, 'involvedObject.kind=Application', (t, o, s) => {
          this.onEvent(t, o, s);
        }),
      );
    }
    await Promise.all(starts);
  }

  stop(): void {
    this.ring.close();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const watcher of this.watchers) watcher.stop();
    this.watchers.length = 0;
  }

  private watch(
    kind: string,
    apiVersion: string,
    namespace: string | undefined,
    fieldSelector: string | undefined,
    handle: (type: WatchEventType, obj: KubeObject, synced: boolean) => void,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const state = { synced: false };
      this.watchers.push(
        this.options.objects.watch({
          apiVersion,
          kind,
          ...(namespace === undefined ? {} : { namespace }),
          ...(fieldSelector === undefined ? {} : { fieldSelector }),
          onEvent: (event) => {
            handle(event.type, event.object, state.synced);
          },
          onSynced: () => {
            state.synced = true;
            resolve();
          },
          onError: (error) => {
            this.options.logger.warn({ kind, err: error.message }, 'stream watch interrupted; resuming');
          },
        }),
      );
    });
  }

  private onIndexChange(change: IndexChange): void {
    const { namespace, name } = change.summary;
    const key = `${namespace}/${name}`;
    const app = this.options.index.get(namespace, name);
    if (change.type === 'delete' || app === undefined) {
      // The list filters a deletion as it filtered the app (labels, text) when it was last seen.
      const entry = this.apps.get(key)?.entry ?? { summary: change.summary, labels: {}, searchText: '' };
      this.apps.delete(key);
      if (this.options.index.synced) this.ring.push({ kind: 'deleted', namespace, name, entry });
      return;
    }
    const { summary, labels, searchText } = indexEntryOf(app);
    const next = {
      summary: JSON.stringify(summary),
      status: JSON.stringify(app.status ?? {}),
      entry: { summary, labels, searchText },
    };
    const before = this.apps.get(key);
    this.apps.set(key, next);
    if (!this.options.index.synced) return;
    const summaryChanged = before?.summary !== next.summary;
    const statusChanged = before?.status !== next.status;
    if (!summaryChanged && !statusChanged) return;
    this.ring.push({
      kind: 'application',
      namespace,
      name,
      entry: next.entry,
      status: app.status ?? {},
      summaryChanged,
      statusChanged,
    });
  }

  private onRecord(type: WatchEventType, record: KubeObject, synced: boolean): void {
    const name = record.metadata.labels?.[RECORD_APP_LABEL];
    // A record is written once, then its result: both are news; its removal (retention) is not.
    if (!synced || type === 'DELETED' || name === undefined) return;
    this.ring.push({
      kind: 'record',
      namespace: record.metadata.namespace ?? '',
      name,
      record: { name: record.metadata.name, ...(isRecord(record.spec) ? record.spec : {}) },
    });
  }

  private onEvent(type: WatchEventType, event: KubeObject, synced: boolean): void {
    if (!synced || type === 'DELETED') return;
    const involved = isRecord(event.involvedObject) ? event.involvedObject : {};
    const apiVersion = typeof involved.apiVersion === 'string' ? involved.apiVersion : '';
    if (involved.kind !== 'Application' || !apiVersion.startsWith('mooring.dev/')) return;
    const name = typeof involved.name === 'string' ? involved.name : '';
    this.ring.push({
      kind: 'event',
      namespace: event.metadata.namespace ?? '',
      name,
      event: {
        type: event.type,
        reason: event.reason,
        message: event.message,
        count: event.count,
        firstTimestamp: event.firstTimestamp,
        lastTimestamp: event.lastTimestamp ?? event.eventTime,
      },
    });
  }
}

/** What one client is sent: each change it may see becomes zero or one wire event. */
export interface StreamView {
  /** The wire event for a change (type and data), or undefined when this client is not told of it. */
  select: (change: StreamChange) => { type: string; data: unknown } | undefined;
  /** May the client read Applications of this namespace? (SubjectAccessReview, through the API's cache.) */
  authorize: (namespace: string) => Promise<boolean>;
}

export interface ServeOptions {
  heartbeatMs?: number;
  /** How long one namespace's authorisation answer is reused on this connection (default 30 s). */
  recheckMs?: number;
  /** Events queued for a client that does not read before it is cut off (default 1,000). */
  maxQueued?: number;
  now?: () => number;
}

/** The list view: one `application` event per summary change (filtered as the list), and `deleted`. */
export function listView(
  matches: (entry: Pick<IndexedApplication, 'summary' | 'labels' | 'searchText'>) => boolean,
  authorize: (namespace: string) => Promise<boolean>,
): StreamView {
  return {
    authorize,
    select: (change) => {
      if (change.kind === 'application' && change.summaryChanged && matches(change.entry))
        return { type: 'application', data: change.entry.summary };
      if (change.kind === 'deleted' && matches(change.entry))
        return { type: 'deleted', data: { namespace: change.namespace, name: change.name } };
      return undefined;
    },
  };
}

/** One app: its status changes, its new SyncRecords, the Events about it, and its deletion. */
export function appView(
  namespace: string,
  name: string,
  authorize: (namespace: string) => Promise<boolean>,
): StreamView {
  return {
    authorize,
    select: (change) => {
      if (change.namespace !== namespace || change.name !== name) return undefined;
      switch (change.kind) {
        case 'application':
          return change.statusChanged ? { type: 'status', data: change.status } : undefined;
        case 'deleted':
          return { type: 'deleted', data: { namespace, name } };
        case 'record':
          return { type: 'record', data: change.record };
        case 'event':
          return { type: 'event', data: change.event };
      }
    },
  };
}

/**
 * Streams `ring`'s changes to one HTTP client as server-sent events until it disconnects. The replay and
 * the subscription are taken in the same tick, so nothing falls between them; every change goes through
 * one queue, in order, because authorisation is asynchronous.
 */
export function serveEvents(
  request: IncomingMessage,
  response: ServerResponse,
  ring: EventRing<StreamChange>,
  view: StreamView,
  options: ServeOptions = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const recheckMs = options.recheckMs ?? 30_000;
  const maxQueued = options.maxQueued ?? 1000;
  const allowed = new Map<string, { ok: boolean; at: number }>();
  const queue: BufferedEvent<StreamChange>[] = [];
  const state = { closed: false };
  // Read through a function: the flag changes while `drain` awaits an authorisation.
  const isOpen = (): boolean => !state.closed;
  let draining = false;

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write('retry: 2000\n\n');

  const lastEventId = headerValue(request.headers['last-event-id']);
  const resume = lastEventId === undefined ? undefined : ring.since(lastEventId);
  if (resume?.kind === 'reset')
    response.write(formatEvent({ id: ring.lastId, type: 'reset', data: { lastEventId: ring.lastId } }));
  else if (resume !== undefined) queue.push(...resume.events);
  const unsubscribe = ring.subscribe((event) => {
    if (queue.length >= maxQueued) {
      // A client that does not read is cut off; it resumes from its last id (or is told to reload).
      finish();
      return;
    }
    queue.push(event);
    void drain();
  });

  const mayRead = async (namespace: string): Promise<boolean> => {
    const known = allowed.get(namespace);
    if (known !== undefined && now() - known.at < recheckMs) return known.ok;
    const ok = await view.authorize(namespace).catch(() => false);
    allowed.set(namespace, { ok, at: now() });
    return ok;
  };

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (!state.closed && queue.length > 0) {
        const next = queue.shift() as BufferedEvent<StreamChange>;
        const wire = view.select(next.data);
        if (wire === undefined || !(await mayRead(next.data.namespace))) continue;
        if (isOpen()) response.write(formatEvent({ id: next.id, ...wire }));
      }
    } finally {
      draining = false;
    }
  }

  const heartbeat = setInterval(() => {
    if (!state.closed) response.write(': heartbeat\n\n');
  }, options.heartbeatMs ?? 15_000);

  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  function finish(): void {
    if (state.closed) return;
    state.closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    stopClosing();
    response.end();
    done();
  }
  const stopClosing = ring.onClose(finish);
  request.on('close', finish);
  response.on('close', finish);
  void drain();
  return finished;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text.slice(0, 100);
}
