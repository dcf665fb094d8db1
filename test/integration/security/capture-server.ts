/**
 * A loopback HTTP server that records every request and the Authorization header it carried, for tests
 * that prove where a Git credential goes. It asks for basic auth (401) like a private Git host, then
 * either forwards authorised requests to a real Git server, answers them with an error, or redirects
 * every request elsewhere.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface CapturedRequest {
  method: string;
  path: string;
  /** The Authorization header, decoded for Basic ("Basic user:password"), or undefined. */
  authorization: string | undefined;
}

export type CaptureBehaviour =
  /** 401 without credentials; with `password`, forwarded to `upstream` (a Git server's base URL). */
  | { kind: 'private'; password: string; upstream: string }
  /** 401 without credentials, 500 with any. */
  | { kind: 'failing' }
  /** 302 to `location` + the request path, for every request. */
  | { kind: 'redirect'; location: string };

export interface CaptureServer {
  /** http://HOST:PORT */
  baseUrl: string;
  requests: CapturedRequest[];
  /** The requests that carried any Authorization header. */
  authorised(): CapturedRequest[];
}

function decoded(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!header.startsWith('Basic ')) return header;
  return `Basic ${Buffer.from(header.slice(6), 'base64').toString('utf8')}`;
}

function forward(upstream: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', upstream);
  const headers = { ...req.headers, host: target.host };
  delete headers.authorization;
  const out = httpRequest(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  req.pipe(out);
}

/** Starts a capture server on `host` (a loopback address), closed when the test ends. */
export async function startCaptureServer(
  t: TestContext,
  behaviour: CaptureBehaviour,
  host = '127.0.0.1',
): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const authorization = decoded(req.headers.authorization);
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization });
    if (behaviour.kind === 'redirect') {
      res.writeHead(302, { location: `${behaviour.location}${req.url ?? '/'}` }).end();
      req.resume();
      return;
    }
    if (authorization === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="capture"' }).end();
      req.resume();
      return;
    }
    if (behaviour.kind === 'private' && authorization.endsWith(`:${behaviour.password}`)) {
      forward(behaviour.upstream, req, res);
      return;
    }
    res.writeHead(behaviour.kind === 'failing' ? 500 : 403).end();
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${port}`,
    requests,
    authorised: () => requests.filter((r) => r.authorization !== undefined),
  };
}
