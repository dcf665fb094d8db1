/**
 * One HTTP(S) exchange with a registry or its token service: node:http/https with a keep-alive agent per
 * client (holding the CA when one is given), a time limit, a cap on the body read (the connection is
 * dropped past it), and no redirects followed — the caller decides what a 3xx means. Errors never quote
 * request headers, so credentials cannot leak through them.
 */
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';

import { MooringError } from '../../core/errors.js';
import type { Egress } from '../../net/egress.js';

/** What came back: status, headers and the body (at most the cap the caller gave). */
export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  /** The body is read up to this many bytes; more is an error (the connection is dropped). */
  maxBodyBytes: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Keep-alive agents for one client: plain HTTP (only used when insecure is allowed) and HTTPS with the CA. */
export class RegistryAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;

  /** Both agents come from `egress`: every connection is checked against its policy. */
  constructor(caPem: string | undefined, egress: Egress) {
    this.http = egress.httpAgent({ keepAlive: true, maxSockets: 4 });
    this.https = egress.httpsAgent({
      keepAlive: true,
      maxSockets: 4,
      ...(caPem === undefined ? {} : { ca: caPem }),
    });
  }

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** Sends one request; rejects with REGISTRY_FAILED on a network error, a timeout or an oversized body. */
export function send(agents: RegistryAgents, req: HttpRequest): Promise<HttpReply> {
  const where = `${req.url.protocol}//${req.url.host}`;
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown): void => {
      reject(new MooringError('REGISTRY_FAILED', message, { cause, retry: 'transient' }));
    };
    const https = req.url.protocol === 'https:';
    const request = (https ? httpsRequest : httpRequest)(
      req.url,
      {
        method: req.method,
        headers: { 'user-agent': 'mooring', ...req.headers },
        agent: https ? agents.https : agents.http,
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > req.maxBodyBytes) {
            request.destroy();
            fail(
              `${where} answered ${req.method} ${req.url.pathname} with more than ${req.maxBodyBytes} bytes`,
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          });
        });
        response.on('error', (error) => {
          fail(`${where}: the answer was cut off (${error.message})`, error);
        });
      },
    );
    request.setTimeout(req.timeoutMs, () => {
      request.destroy();
      fail(`${where} did not answer ${req.method} ${req.url.pathname} within ${req.timeoutMs} ms`);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof MooringError) {
        reject(error); // refused by the egress policy: its message names the host, the address and the flag
        return;
      }
      const why = error.code ?? error.message;
      fail(`cannot reach ${where}: ${why}`, error);
    });
    request.end();
  });
}

/** The first value of a header (Node joins most repeated headers, but not all). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
