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
import { createSecureContext } from 'node:tls';

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

/** A client certificate and its private key (PEM), presented to the registry and its token realm. Never logged. */
export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

/**
 * Keep-alive agents for one client: plain HTTP (only used when insecure is allowed) and HTTPS with the CA
 * and, for registries that ask for one (mutual TLS), the client certificate. Throws INVALID_ARGUMENT when
 * the CA or certificate and key cannot be used (unreadable PEM, a key that is not the certificate's),
 * naming `subject` and never quoting the PEM.
 */
export class RegistryAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  /** Whether the HTTPS agent presents a client certificate. */
  readonly presentsCertificate: boolean;

  /** Both agents come from `egress`: every connection is checked against its policy. */
  constructor(
    caPem: string | undefined,
    egress: Egress,
    clientCertificate?: ClientCertificate,
    subject = 'the registry',
  ) {
    this.http = egress.httpAgent({ keepAlive: true, maxSockets: 4 });
    const tls = {
      ...(caPem === undefined ? {} : { ca: caPem }),
      ...(clientCertificate === undefined
        ? {}
        : { cert: clientCertificate.certPem, key: clientCertificate.keyPem }),
    };
    try {
      // The same checks the first connection would make, made now so the error names the Secret's keys.
      createSecureContext(tls);
    } catch (error) {
      throw new MooringError(
        'INVALID_ARGUMENT',
        `${subject}: the certificates of spec.certSecretRef cannot be used (${tlsReason(error)})`,
        {
          subject,
          retry: 'terminal',
          hint: 'ca.crt: the CA (PEM) the registry is verified against; tls.crt and tls.key: a client certificate (PEM) and its own private key',
        },
      );
    }
    this.https = egress.httpsAgent({ keepAlive: true, maxSockets: 4, ...tls });
    this.presentsCertificate = clientCertificate !== undefined;
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
      fail(
        `cannot reach ${where}: ${why}${clientCertificateProblem(why, agents.presentsCertificate)}`,
        error,
      );
    });
    request.end();
  });
}

/** The first value of a header (Node joins most repeated headers, but not all). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What a TLS alert from the server says about our client certificate, as a sentence to append, or ''. A
 * server that requires one answers a handshake without it, or with one it does not trust, with "certificate
 * required" (TLS 1.3) or "bad certificate"/"unknown ca"/"handshake failure" (TLS 1.2). Pure.
 */
export function clientCertificateProblem(code: string, presented: boolean): string {
  const alert =
    /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED)/.test(
      code,
    );
  if (!alert) return '';
  return presented
    ? ': the registry refused the client certificate of spec.certSecretRef (not signed by a CA it trusts, expired, or not for client auth); check tls.crt and tls.key'
    : ': the registry asks for a client certificate (mutual TLS) and none is configured; put tls.crt and tls.key in the Secret named by spec.certSecretRef';
}

/** OpenSSL's reason without the PEM or file content: "key values mismatch", "no start line". */
function tlsReason(error: unknown): string {
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason !== '') return reason;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'not PEM';
}
