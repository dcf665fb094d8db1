/**
 * Outbound HTTP(S) for URLs tenants control, confined at the connection: every address is checked against
 * the egress policy after DNS resolution (a name that resolves to a private address, or re-resolves to one
 * later, is refused), again on the socket actually connected, and redirects are never followed. Nothing
 * here scans URL strings: `http://0x7f.1/`, `http://[::ffff:127.0.0.1]/` or a DNS name pointing at
 * 169.254.169.254 all end up as an address, and the address is what is judged.
 *
 * One `Egress` per controller, built from `--egress-allow-cidr`, injected into the notification sinks, the
 * delivery analysis (Prometheus, webhook gates), the registry client and the pull-request client.
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { AgentOptions as HttpAgentOptions, ClientRequestArgs, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';

import { MooringError } from '../core/errors.js';
import { describeRange, egressPolicy, judgeAddress } from './egress-policy.js';
import type { EgressPolicy } from './egress-policy.js';

/** The controller flag that allows more ranges (named in every refusal). */
export const EGRESS_ALLOW_FLAG = '--egress-allow-cidr';

/** Resolves a host name to every address (dns.lookup by default; tests swap it to play DNS rebinding). */
export type Resolver = (hostname: string, family: number) => Promise<LookupAddress[]>;

/** The subset of fetch's RequestInit the callers use; `body` is a string or bytes. */
export interface EgressRequestInit {
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string | Uint8Array;
  /** 'manual' returns a 3xx answer as it is; anything else makes a redirect an error. Never followed. */
  redirect?: 'error' | 'follow' | 'manual';
  signal?: AbortSignal | null;
}

/** The fetch-shaped function call sites use. */
export type EgressFetch = (input: string | URL, init?: EgressRequestInit) => Promise<Response>;

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

let shared: Egress | undefined;

/** The policy plus the connections built on it. */
export class Egress {
  readonly policy: EgressPolicy;
  private readonly resolver: Resolver;
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(policy: EgressPolicy, resolver: Resolver = systemResolver) {
    this.policy = policy;
    this.resolver = resolver;
    this.http = this.httpAgent({ keepAlive: true, timeout: 4_000 });
    this.https = this.httpsAgent({ keepAlive: true, timeout: 4_000 });
  }

  /** The default policy: public addresses only. */
  static publicOnly(): Egress {
    return new Egress(egressPolicy());
  }

  /** One shared public-only Egress, for clients built without one (the safe default). */
  static shared(): Egress {
    shared ??= Egress.publicOnly();
    return shared;
  }

  /** The refusal for connecting to `address` (reached for `host`), or undefined when it is allowed. */
  refusal(host: string, address: string): MooringError | undefined {
    const verdict = judgeAddress(this.policy, address);
    if (verdict.allowed) return undefined;
    const suggested = isIP(address) === 6 ? `${address}/128` : `${address}/32`;
    return new MooringError(
      'UNSAFE_INPUT',
      `refused to connect to ${host} at ${address}: ${describeRange(verdict.range)} addresses are not reached unless ${EGRESS_ALLOW_FLAG} allows them`,
      {
        subject: host,
        hint: `if ${host} is meant to be reached, start the controller with ${EGRESS_ALLOW_FLAG} ${suggested} (or a wider range; in the install, in the controller Deployment's args)`,
      },
    );
  }

  /** A `lookup` for net.connect: resolves, keeps the allowed addresses, fails naming the first refused one. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolver(hostname, options.family === undefined ? 0 : Number(options.family)).then(
      (addresses) => {
        const allowed = addresses.filter((a) => judgeAddress(this.policy, a.address).allowed);
        const first = allowed[0];
        if (first === undefined) {
          const refused = addresses[0];
          callback(
            refused === undefined
              ? Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' })
              : (this.refusal(hostname, refused.address) ?? new Error(`${hostname} refused`)),
            '',
          );
          return;
        }
        if (options.all === true) callback(null, allowed);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => {
        callback(error as NodeJS.ErrnoException, '');
      },
    );
  };

  /** An http.Agent whose every connection is checked (use for node:http clients). */
  httpAgent(options: HttpAgentOptions = {}): HttpAgent {
    const agent = new HttpAgent(options);
    this.guard(agent);
    return agent;
  }

  /** An https.Agent whose every connection is checked (use for node:https clients; `ca` etc. as usual). */
  httpsAgent(options: HttpsAgentOptions = {}): HttpsAgent {
    const agent = new HttpsAgent(options);
    this.guard(agent);
    return agent;
  }

  /** fetch, through the guarded agents: no redirects followed, no decompression, string or byte bodies. */
  readonly fetch: EgressFetch = (input, init = {}) => {
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return Promise.reject(new TypeError(`fetch: ${url.protocol} URLs are not supported`));
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    if (!headers.has('accept')) headers.set('accept', '*/*');
    const body = init.body;
    if (typeof body === 'string' && !headers.has('content-type'))
      headers.set('content-type', 'text/plain;charset=UTF-8');
    if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
    const signal = init.signal ?? undefined;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const https = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)(url, {
        method,
        headers: Object.fromEntries(headers),
        agent: https ? this.https : this.http,
        ...(signal === undefined ? {} : { signal }),
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && init.redirect !== 'manual') {
          response.destroy();
          reject(
            new MooringError(
              'UNSAFE_INPUT',
              `${url.host} answered ${String(status)} (a redirect): redirects are not followed`,
              { subject: url.host, hint: 'use the final URL' },
            ),
          );
          return;
        }
        if (status < 200 || status > 599) {
          response.destroy();
          reject(new TypeError(`fetch: ${url.host} answered status ${String(status)}`));
          return;
        }
        resolve(responseOf(response, status, method));
      });
      request.on('error', (error) => {
        if (signal?.aborted === true) reject(signal.reason as Error);
        else if (error instanceof MooringError) reject(error);
        else reject(new TypeError('fetch failed', { cause: error }));
      });
      request.end(body);
    });
  };

  /** Closes the kept-alive connections of the fetch agents. */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** Wraps the agent's createConnection: literal addresses checked before, names through `lookup`, and the
   * connected address checked before anything is written (the request's bytes wait for 'connect'). */
  private guard(agent: HttpAgent): void {
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (
      options: ClientRequestArgs,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined => {
      const host = options.host ?? options.hostname ?? 'localhost';
      if (isIP(host) !== 0) {
        const refusal = this.refusal(host, host);
        if (refusal !== undefined) {
          process.nextTick(() => callback?.(refusal, undefined as unknown as Duplex));
          return undefined;
        }
      }
      const socket = create({ ...options, lookup: this.lookup }, callback) as Socket | null | undefined;
      socket?.once('connect', () => {
        const remote = socket.remoteAddress;
        const refusal = remote === undefined ? this.refusal(host, 'unknown') : this.refusal(host, remote);
        if (refusal !== undefined) socket.destroy(refusal);
      });
      return socket;
    };
  }
}

/**
 * The Egress of `--egress-allow-cidr` values (each may hold several ranges separated by commas). Throws
 * INVALID_ARGUMENT naming a range that is not one.
 */
export function egressFromFlags(values: readonly string[] | undefined): Egress {
  const ranges = (values ?? [])
    .flatMap((value) => value.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  try {
    return new Egress(egressPolicy(ranges));
  } catch (error) {
    throw new MooringError('INVALID_ARGUMENT', `${EGRESS_ALLOW_FLAG}: ${(error as Error).message}`, {
      hint: `give IPv4 or IPv6 ranges, e.g. ${EGRESS_ALLOW_FLAG} 10.0.0.0/8,fd00::/8`,
    });
  }
}

function responseOf(response: IncomingMessage, status: number, method: string): Response {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] ?? '', raw[i + 1] ?? '');
    } catch {
      // A header fetch would not accept either: leave it out.
    }
  }
  const nullBody = NULL_BODY_STATUS.has(status) || method === 'HEAD';
  if (nullBody) response.resume();
  const body = nullBody ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: response.statusMessage ?? '', headers });
}

function systemResolver(hostname: string, family: number): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family, verbatim: true }, (error, addresses) => {
      if (error !== null) reject(error);
      else resolve(addresses);
    });
  });
}
