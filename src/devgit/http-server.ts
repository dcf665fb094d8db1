import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { isolatedGitEnv } from './git-cli.js';

export interface GitHttpServerOptions {
  /** Directory holding bare repositories; URL paths are relative to it. */
  projectRoot: string;
  /** Require HTTP basic auth with these credentials. */
  basicAuth?: { username: string; password: string };
  /** Allow `git push` over HTTP (needs basicAuth, as Git hosts do). */
  allowPush?: boolean;
}

/** A running smart-HTTP Git server on loopback. */
export interface GitHttpServer {
  /** e.g. http://127.0.0.1:PORT — append `/<name>.git`. */
  baseUrl: string;
  /** Requests answered so far (tests assert on fetch counts). */
  requestCount(): number;
  close(): Promise<void>;
}

/**
 * Serves bare repositories over Git's smart HTTP protocol, the way Git hosts do, by running
 * `git http-backend` (the reference implementation) as a CGI per request.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    handle(options, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requestCount: () => requests,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

function authorised(options: GitHttpServerOptions, req: IncomingMessage): boolean {
  if (options.basicAuth === undefined) return true;
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(header.slice(6), 'base64');
  const expected = Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function handle(options: GitHttpServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = decodeURIComponent(url.pathname);
  if (path.split('/').some((segment) => segment === '..')) {
    res.writeHead(400).end('bad path\n');
    return;
  }
  if (!authorised(options, req)) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mooring-git"' }).end('authentication required\n');
    return;
  }
  const isPush = path.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
  if (isPush && options.allowPush !== true) {
    res.writeHead(403).end('push not allowed\n');
    return;
  }
  const env = isolatedGitEnv({
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: path,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: options.basicAuth?.username ?? '',
    GIT_PROTOCOL: headerValue(req.headers['git-protocol']),
    HTTP_CONTENT_ENCODING: headerValue(req.headers['content-encoding']),
    // http-backend enables receive-pack only for authenticated users unless configured.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: options.allowPush === true ? 'true' : 'false',
  });
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined);
  let stderr = '';
  cgi.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    writeCgiHead(res, head.subarray(0, end).toString('latin1'));
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500).end(`git http-backend failed (exit ${String(code)}): ${stderr}\n`);
      return;
    }
    res.end();
  });
}

function writeCgiHead(res: ServerResponse, head: string): void {
  let status = 200;
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else res.setHeader(name, value);
  }
  res.writeHead(status);
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}
