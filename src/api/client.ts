/**
 * A typed client of Mooring's HTTP API (the CLI's `--server` mode; the dashboard's types). Bearer token,
 * https with a CA file or (on request only) without verification, plain http for local servers. Errors come
 * back as MooringError with the server's message and hint; the token never appears in one.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { MooringError } from '../core/errors.js';
import type { ApplicationStatus } from '../app/model.js';
import type { LiveDiff, RevisionDiff } from './diff.js';
import type { ApplicationSummary } from './index/summary.js';
import type { TreeNode } from './tree.js';

export interface ClientOptions {
  /** e.g. https://mooring.example.com (no path, no credentials). */
  server: string;
  token: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  /** Per request (default 60 s: a diff renders). */
  timeoutMs?: number;
}

/** GET /api/v1/applications/:namespace/:name */
export interface ApplicationView {
  summary: ApplicationSummary;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; [field: string]: unknown };
  spec: Record<string, unknown>;
  status?: ApplicationStatus;
}

/** One entry of GET .../history: the SyncRecord's name and spec. */
export interface HistoryEntry {
  name: string;
  trigger?: string;
  initiatedBy?: string;
  revision?: string;
  startedAt?: string;
  finishedAt?: string;
  result?: string;
  message?: string;
  [field: string]: unknown;
}

export type ActionName = 'sync' | 'rollback' | 'unpin' | 'suspend' | 'resume' | 'refresh';

/** What POST .../:action answers (202). */
export interface ActionReply {
  action: ActionName;
  application: { namespace: string; name: string };
  requestedBy: string;
  target?: string;
}

export interface TreeReply {
  cluster: string;
  nodes: TreeNode[];
  count: number;
}

/** Refuses anything but an http(s) URL without credentials, path, query or fragment; returns its origin. */
export function serverOrigin(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new MooringError('INVALID_ARGUMENT', `--server must be a URL, got "${server.slice(0, 80)}"`, {
      hint: 'e.g. --server https://mooring.example.com',
    });
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== ''
  )
    throw new MooringError(
      'INVALID_ARGUMENT',
      `--server must be http(s)://host[:port], got ${url.protocol}//${url.host}`,
      {
        hint: 'give the server only: the token goes in mooring login --token-file, never in the URL',
      },
    );
  return url.origin;
}

export class MooringClient {
  private readonly origin: string;

  constructor(private readonly options: ClientOptions) {
    this.origin = serverOrigin(options.server);
  }

  private path(namespace: string, name: string, rest = ''): string {
    return `/api/v1/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${rest}`;
  }

  list(query: Record<string, string> = {}): Promise<{ items: ApplicationSummary[]; continue?: string }> {
    const search = new URLSearchParams(query).toString();
    return this.request('GET', `/api/v1/applications${search === '' ? '' : `?${search}`}`);
  }

  application(namespace: string, name: string): Promise<ApplicationView> {
    return this.request('GET', this.path(namespace, name));
  }

  history(namespace: string, name: string): Promise<{ items: HistoryEntry[] }> {
    return this.request('GET', this.path(namespace, name, '/history'));
  }

  tree(namespace: string, name: string): Promise<TreeReply> {
    return this.request('GET', this.path(namespace, name, '/tree'));
  }

  /** Live vs the target revision. */
  diff(namespace: string, name: string): Promise<LiveDiff> {
    return this.request('GET', this.path(namespace, name, '/diff'));
  }

  /** Desired vs desired between two history entries (SyncRecord names) or commits; `to` default: current. */
  diffRevisions(namespace: string, name: string, from: string, to?: string): Promise<RevisionDiff> {
    const query = new URLSearchParams({ from, ...(to === undefined ? {} : { to }) }).toString();
    return this.request('GET', this.path(namespace, name, `/diff?${query}`));
  }

  action(namespace: string, name: string, action: ActionName, body?: { to?: string }): Promise<ActionReply> {
    return this.request('POST', this.path(namespace, name, `/${action}`), body ?? {});
  }

  private request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.origin);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
          ...(url.protocol === 'https:'
            ? {
                ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
                rejectUnauthorized: this.options.insecureSkipTlsVerify !== true,
              }
            : {}),
          timeout: this.options.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve(JSON.parse(text) as T);
              } catch {
                reject(new MooringError('API_ERROR', `${method} ${path}: the server answered with no JSON`));
              }
              return;
            }
            reject(apiError(method, path, status, text));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => {
        req.destroy(new MooringError('TIMEOUT', `${method} ${url.origin}${path}: no answer in time`));
      });
      req.on('error', (error) => {
        reject(
          error instanceof MooringError
            ? error
            : new MooringError('API_ERROR', `${method} ${url.origin}${path}: ${error.message}`, {
                hint: 'is the server address right (mooring login --server URL), and its certificate trusted (--ca-file)?',
              }),
        );
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function apiError(method: string, path: string, status: number, text: string): MooringError {
  let body: { code?: unknown; message?: unknown; hint?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the API's error shape (a proxy's page): the status says enough.
  }
  const code = typeof body.code === 'string' ? body.code : `HTTP ${status}`;
  const message = typeof body.message === 'string' ? body.message : `${method} ${path} answered ${status}`;
  const hint =
    typeof body.hint === 'string'
      ? body.hint
      : status === 401
        ? 'log in again: mooring login --server URL --token-file FILE'
        : undefined;
  const ours =
    status === 401
      ? 'UNAUTHENTICATED'
      : status === 403
        ? 'FORBIDDEN'
        : status === 404
          ? 'NOT_FOUND'
          : 'API_ERROR';
  return new MooringError(ours, `${message} (${code})`, { hint });
}
