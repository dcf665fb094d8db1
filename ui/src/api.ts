/**
 * The dashboard's side of the HTTP API: the token (pasted at login, kept in sessionStorage only), typed
 * GET/POST against /api/v1, and server-sent events read with fetch (EventSource cannot send a bearer
 * token). Types come from the server's own modules, so a change there breaks this build.
 */
import type { ApplicationSummary } from '../../src/api/index/summary.js';
import type { AppCounts, ListPage } from '../../src/api/index/app-index.js';
import type { ClusterView } from '../../src/api/routes/clusters.js';
import type { ProjectView } from '../../src/api/routes/projects.js';
import type { TreeNode } from '../../src/api/tree.js';
import type { LiveDiff, RevisionDiff } from '../../src/api/diff.js';
import type { ApplicationAccess } from '../../src/api/routes/access.js';
import type { ActionName, ActionReply } from '../../src/api/routes/actions.js';
import type { ApplicationSpec, ApplicationStatus } from '../../src/app/model.js';
import type { SyncRecordSpec } from '../../src/crd/syncrecord.js';

export type { ApplicationSummary, ListPage, TreeNode, LiveDiff, RevisionDiff, ApplicationAccess };
export type { ActionName, ActionReply };
export type { AppCounts, ClusterView, ProjectView };

/** GET /applications/:ns/:name */
export interface ApplicationDetail {
  summary: ApplicationSummary;
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: ApplicationSpec;
  status?: ApplicationStatus;
}

/** One history entry: a SyncRecord's spec with its name. */
export type HistoryEntry = SyncRecordSpec & { name: string };

export interface EventEntry {
  type?: string;
  reason?: string;
  message?: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: string;
}

/** The API's error body. */
export interface ApiErrorBody {
  code?: string;
  message?: string;
  hint?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

const TOKEN_KEY = 'mooring.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(): Record<string, string> {
  const token = storedToken();
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let body: ApiErrorBody = {};
    try {
      body = JSON.parse(text) as ApiErrorBody;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    throw new ApiError(response.status, body);
  }
  return JSON.parse(text) as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(`/api/v1${path}`, { headers: headers(), ...(signal ? { signal } : {}) }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(`/api/v1${path}`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    }),
  );
}

/** The path of one app's routes. */
export function appPath(namespace: string, name: string, rest = ''): string {
  return `/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${rest}`;
}

/** The query string of the list's filters (only those set). */
export function listQuery(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export interface StreamEvent {
  id?: string;
  type: string;
  data: unknown;
}

/**
 * Follows a server-sent event stream until `signal` aborts; reconnects after a break with Last-Event-ID
 * (the server replays what was missed, or sends `reset`). `onOpen` tells each (re)connection.
 */
export function followStream(
  path: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): void {
  let lastId: string | undefined;
  // Read through a function: the signal aborts while a read is awaited.
  const stopped = (): boolean => signal.aborted;
  const run = async (): Promise<void> => {
    while (!stopped()) {
      try {
        const response = await fetch(`/api/v1${path}`, {
          headers: {
            ...headers(),
            accept: 'text/event-stream',
            ...(lastId ? { 'last-event-id': lastId } : {}),
          },
          signal,
        });
        if (!response.ok || response.body === null) throw new ApiError(response.status, {});
        onOpen?.();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseEvent(block);
            if (event === undefined) continue;
            if (event.id !== undefined) lastId = event.id;
            onEvent(event);
          }
        }
      } catch (error) {
        if (stopped()) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run();
}

/** One SSE block (`id:`, `event:`, `data:` lines) as an event; comments and `retry:` give none. Pure. */
export function parseEvent(block: string): StreamEvent | undefined {
  let id: string | undefined;
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return undefined;
  try {
    return { ...(id === undefined ? {} : { id }), type, data: JSON.parse(data.join('\n')) as unknown };
  } catch {
    return undefined;
  }
}
