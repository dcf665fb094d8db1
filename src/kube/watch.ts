import { createInterface } from 'node:readline';

import type { KubeObject } from '../core/objects.js';
import type { KubeClient } from './client.js';
import type { Discovery } from './discovery.js';
import { resourcePath } from './discovery.js';
import { versionOf } from '../core/objects.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface WatchOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  /** A field selector, e.g. `metadata.name=x` (one object) or `involvedObject.kind=Application` (Events); only fields the API server indexes for the kind. */
  fieldSelector?: string;
  /** Called for every change after the initial list (which arrives as ADDED events). */
  onEvent: (event: WatchEvent) => void;
  /** Called once the initial list has been delivered. */
  onSynced?: () => void;
  onError?: (error: Error) => void;
}

/** A running list+watch; stop() ends it. */
export interface Watcher {
  stop(): void;
}

interface RawEvent {
  type: WatchEventType | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number };
}

/**
 * List then watch one kind (optionally one namespace and a label selector), resuming from the last
 * resourceVersion after a disconnect and re-listing when the server says it is too old (410 Gone).
 * Events for objects deleted while disconnected are synthesised by comparing the re-list with what was known.
 */
export function startWatch(client: KubeClient, discovery: Discovery, options: WatchOptions): Watcher {
  // An object, not a let: stop() flips it while the loop awaits.
  const state = { stopped: false };
  const stoppedNow = (): boolean => state.stopped;
  let abort: (() => void) | undefined;
  const known = new Map<string, KubeObject>();
  let resourceVersion = '';

  const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

  const relist = async (): Promise<void> => {
    const info = await discovery.lookup(options.apiVersion, options.kind);
    if (info === undefined) throw new Error(`${options.kind} is not served`);
    const list = await client.request<{ metadata?: { resourceVersion?: string }; items?: KubeObject[] }>({
      method: 'GET',
      path: resourcePath(info, versionOf(options.apiVersion), options.namespace),
      query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      verb: 'list',
    });
    const seen = new Set<string>();
    for (const item of list.items ?? []) {
      const obj = { ...item, apiVersion: options.apiVersion, kind: options.kind };
      seen.add(key(obj));
      const before = known.get(key(obj));
      known.set(key(obj), obj);
      if (before?.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        options.onEvent({ type: before === undefined ? 'ADDED' : 'MODIFIED', object: obj });
      }
    }
    for (const [k, obj] of known) {
      if (!seen.has(k)) {
        known.delete(k);
        options.onEvent({ type: 'DELETED', object: obj });
      }
    }
    resourceVersion = list.metadata?.resourceVersion ?? '';
  };

  const watchOnce = async (): Promise<'gone' | 'closed'> => {
    const info = await discovery.lookup(options.apiVersion, options.kind);
    if (info === undefined) return 'gone';
    const stream = await client.openStream({
      path: resourcePath(info, versionOf(options.apiVersion), options.namespace),
      query: {
        watch: '1',
        allowWatchBookmarks: 'true',
        resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: '300',
      },
    });
    abort = stream.abort;
    let outcome: 'gone' | 'closed' = 'closed';
    for await (const line of createInterface({ input: stream.body })) {
      if (line.trim() === '') continue;
      const event = JSON.parse(line) as RawEvent;
      if (event.type === 'ERROR') {
        if (event.object.code === 410) outcome = 'gone';
        break;
      }
      const rv = event.object.metadata.resourceVersion;
      if (typeof rv === 'string') resourceVersion = rv;
      if (event.type === 'BOOKMARK') continue;
      const obj = { ...event.object, apiVersion: options.apiVersion, kind: options.kind };
      if (event.type === 'DELETED') known.delete(key(obj));
      else known.set(key(obj), obj);
      options.onEvent({ type: event.type, object: obj });
    }
    stream.abort();
    return outcome;
  };

  const loop = async (): Promise<void> => {
    let needList = true;
    let failures = 0;
    while (!state.stopped) {
      try {
        if (needList) {
          await relist();
          if (failures === 0) options.onSynced?.();
          needList = false;
        }
        needList = (await watchOnce()) === 'gone';
        failures = 0;
      } catch (error) {
        if (stoppedNow()) return;
        failures += 1;
        needList = true;
        options.onError?.(error instanceof Error ? error : new Error(String(error)));
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** failures, 10_000)));
      }
    }
  };
  void loop();
  return {
    stop: () => {
      state.stopped = true;
      abort?.();
    },
  };
}
