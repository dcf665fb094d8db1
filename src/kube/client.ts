import { Agent, request } from 'node:https';
import type { AgentOptions, RequestOptions } from 'node:https';

import type { Step } from '../core/errors.js';
import { sleep } from '../core/wait.js';
import type { ApiStatus } from './errors.js';
import type { ClusterAccess } from './kubeconfig.js';
import { accessFromKubeconfig, currentBearerToken } from './kubeconfig.js';
import { KubeApiError } from './errors.js';
import type { RequestVerb } from './stats.js';
import { RequestStats } from './stats.js';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** For accounting. */
  verb: RequestVerb;
  timeoutMs?: number;
  accept?: string;
  /** For error messages. */
  step?: Step;
  subject?: string;
}

/**
 * Who a client acts as when it is not itself: Kubernetes' impersonation headers. Only a ServiceAccount is
 * supported, and no groups are sent: for a ServiceAccount user without Impersonate-Group the API server adds
 * the groups Kubernetes gives service accounts itself (system:serviceaccounts, system:serviceaccounts:<ns>,
 * system:authenticated), so the controller needs `impersonate` on serviceaccounts only — never on groups,
 * which would let it claim system:masters.
 */
export interface Impersonation {
  serviceAccount: { namespace: string; name: string };
}

/** The Impersonate-User value of a ServiceAccount. */
export function serviceAccountUser(sa: { namespace: string; name: string }): string {
  return `system:serviceaccount:${sa.namespace}:${sa.name}`;
}

/** Connection state a client shares with the clients that impersonate through it. */
interface SharedConnection {
  agent: Agent | undefined;
  auth: { headers: Record<string, string>; until: number } | undefined;
}

/** Attempts of a request the server answers with 429 (pauses 0.2, 0.4, 0.8, 1.6, 3.2 s: about 6 s in all). */
const TOO_MANY_REQUESTS_ATTEMPTS = 6;

/**
 * The only door to a cluster's API: plain HTTPS with the kubeconfig's credentials, a keep-alive pool,
 * no client-side throttling (the server's priority and fairness decides), and a count of every request.
 */
export class KubeClient {
  readonly stats: RequestStats;
  private readonly shared: SharedConnection;
  private readonly server: URL;
  private readonly access: ClusterAccess;
  private readonly impersonationHeaders: Record<string, string>;
  /** Who this client acts as, when it impersonates. */
  readonly impersonation: Impersonation | undefined;

  /**
   * From resolved access, or from anything with client-node's `exportConfig()` (tests hold a KubeConfig);
   * client-node itself is not loaded here: it costs a second of start-up.
   */
  constructor(
    source: ClusterAccess | { exportConfig(): string },
    impersonating?: { base: KubeClient; as: Impersonation },
  ) {
    this.access = 'exportConfig' in source ? accessFromKubeconfig(source.exportConfig(), '.') : source;
    this.server = new URL(this.access.server);
    this.shared = impersonating?.base.shared ?? { agent: undefined, auth: undefined };
    this.stats = impersonating?.base.stats ?? new RequestStats();
    this.impersonation = impersonating?.as;
    this.impersonationHeaders =
      impersonating === undefined
        ? {}
        : { 'Impersonate-User': serviceAccountUser(impersonating.as.serviceAccount) };
  }

  /**
   * A client that sends every request as `as` (Impersonate-User), sharing this one's connections,
   * credentials and request counts. The API server then authorises each request with the impersonated
   * identity's RBAC.
   */
  impersonating(as: Impersonation): KubeClient {
    if (this.impersonation !== undefined)
      throw new Error('KubeClient.impersonating: this client impersonates already');
    return new KubeClient(this.access, { base: this, as });
  }

  /** One keep-alive agent with the TLS material; auth headers refreshed once a minute (tokens rotate). */
  private async connection(): Promise<{ agent: Agent; headers: Record<string, string> }> {
    const shared = this.shared;
    shared.agent ??= new Agent({ keepAlive: true, maxSockets: 64, ...tlsOptions(this.access) });
    if (shared.auth === undefined || Date.now() > shared.auth.until) {
      const headers: Record<string, string> = {};
      const token = await currentBearerToken(this.access);
      if (token !== undefined) headers.Authorization = `Bearer ${token}`;
      else if (this.access.basic !== undefined) {
        headers.Authorization = `Basic ${Buffer.from(`${this.access.basic.username}:${this.access.basic.password}`).toString('base64')}`;
      }
      shared.auth = { headers, until: Date.now() + 60_000 };
    }
    return { agent: shared.agent, headers: { ...shared.auth.headers, ...this.impersonationHeaders } };
  }

  get serverURL(): string {
    return this.server.href;
  }

  /**
   * Sends one request; resolves with the parsed JSON body, or rejects with a KubeApiError. A 429 (priority
   * and fairness, or "storage is (re)initializing" right after a CRD becomes Established) means the server
   * did not act on the request, so it is sent again a few times with a growing pause.
   */
  async request<T>(spec: RequestSpec): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const text = await this.send(spec);
        return (text === '' ? undefined : JSON.parse(text)) as T;
      } catch (error) {
        if (
          !(error instanceof KubeApiError) ||
          error.httpStatus !== 429 ||
          attempt >= TOO_MANY_REQUESTS_ATTEMPTS
        )
          throw error;
        await sleep(200 * 2 ** (attempt - 1));
      }
    }
  }

  private async send(spec: RequestSpec): Promise<string> {
    this.stats.record(spec.verb);
    const url = new URL(spec.path, this.server);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const { agent, headers } = await this.connection();
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const options: RequestOptions = {
      method: spec.method,
      agent,
      headers: {
        ...headers,
        Accept: spec.accept ?? 'application/json',
        'User-Agent': 'mooring',
        // Explicit length: Node sends a DELETE body without one (and without chunking), so the server would
        // read the body as the start of the next request on the kept-alive socket (400 Bad Request).
        ...(body === undefined
          ? {}
          : {
              'Content-Type': spec.contentType ?? 'application/json',
              'Content-Length': String(Buffer.byteLength(body)),
            }),
      },
      timeout: spec.timeoutMs ?? 30_000,
    };
    const sa = this.impersonation?.serviceAccount;
    const context = {
      method: spec.method,
      path: url.pathname,
      step: spec.step,
      subject: spec.subject,
      actingAs: sa === undefined ? undefined : `${sa.namespace}/${sa.name}`,
    };
    let answered = false;
    return new Promise((resolve, reject) => {
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          answered = true;
          this.stats.answered(spec.verb, status);
          if (status >= 200 && status < 300) resolve(text);
          else reject(new KubeApiError(status, parseStatus(text), context));
        });
        res.on('error', (error) => {
          reject(new KubeApiError(0, { message: error.message }, context));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${spec.timeoutMs ?? 30_000} ms`)));
      req.on('error', (error) => {
        if (!answered) this.stats.answered(spec.verb, 0);
        reject(new KubeApiError(0, { message: error.message }, context));
      });
      req.end(body);
    });
  }

  /**
   * Opens a long-lived GET (a watch) and hands back the response body as a stream. Watches use their own
   * agent-less connection so they never hold a pooled socket other requests need.
   */
  async openStream(spec: {
    path: string;
    query?: Record<string, string | undefined>;
  }): Promise<{ body: NodeJS.ReadableStream; abort: () => void }> {
    this.stats.record('watch');
    const url = new URL(spec.path, this.server);
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, v);
    const { headers } = await this.connection();
    const tls = tlsOptions(this.access);
    let answered = false;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'GET',
          headers: { ...headers, Accept: 'application/json', 'User-Agent': 'mooring' },
          ...tls,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          answered = true;
          this.stats.answered('watch', status);
          if (status < 200 || status >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              reject(
                new KubeApiError(status, parseStatus(Buffer.concat(chunks).toString('utf8')), {
                  method: 'GET',
                  path: url.pathname,
                }),
              );
            });
            return;
          }
          resolve({ body: res, abort: () => req.destroy() });
        },
      );
      req.on('error', (error) => {
        // A watch stopped after its answer counts once, as answered.
        if (!answered) this.stats.answered('watch', 0);
        reject(new KubeApiError(0, { message: error.message }, { method: 'GET', path: url.pathname }));
      });
      req.end();
    });
  }

  /** Frees pooled connections so the process can exit. */
  close(): void {
    this.shared.agent?.destroy();
    this.shared.agent = undefined;
  }
}

/** The TLS material of an access, as node:https takes it (for the pooled agent and for watch streams). */
function tlsOptions(
  access: ClusterAccess,
): Pick<AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'> {
  return {
    ...(access.ca === undefined ? {} : { ca: access.ca }),
    ...(access.clientCert === undefined ? {} : { cert: access.clientCert }),
    ...(access.clientKey === undefined ? {} : { key: access.clientKey }),
    ...(access.insecureSkipTLSVerify === true ? { rejectUnauthorized: false } : {}),
    ...(access.tlsServerName === undefined ? {} : { servername: access.tlsServerName }),
  };
}

function parseStatus(text: string): ApiStatus {
  try {
    return JSON.parse(text) as ApiStatus;
  } catch {
    return { message: text.slice(0, 500) };
  }
}
