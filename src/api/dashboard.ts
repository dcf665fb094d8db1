/**
 * Serves the web dashboard (the `ui/` build, `npm run build` writes it to dist/ui) as static files:
 * `GET /` is its index.html, `GET /assets/<file>` its hashed bundles. Only the files found in the build
 * folder when the server starts are served, by exact path: nothing the request names reaches the file
 * system, so no `..` or symlink can lead elsewhere. The pages call /api/v1 with the token the user gives
 * them; the Content-Security-Policy allows only this origin (no CDN, no inline script).
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';

/** Where `npm run build` puts the dashboard: dist/ui, beside dist/src. */
export function dashboardRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The headers of every dashboard file: this origin only, no framing, no sniffing, no referrer. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

interface StaticFile {
  body: Buffer;
  type: string;
  /** Hashed bundle names never change content: cached for a year. */
  immutable: boolean;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The build's files by URL path (`/index.html`, `/assets/index-abc123.js`), or undefined when not built. */
export async function loadDashboard(root: string): Promise<Map<string, StaticFile> | undefined> {
  let paths: string[];
  try {
    paths = await filesUnder(root);
  } catch {
    return undefined;
  }
  const files = new Map<string, StaticFile>();
  for (const path of paths) {
    const type = CONTENT_TYPES[extname(path).toLowerCase()];
    if (type === undefined) continue;
    const url = `/${relative(root, path).split(sep).join('/')}`;
    files.set(url, { body: await readFile(path), type, immutable: url.startsWith('/assets/') });
  }
  return files.has('/index.html') ? files : undefined;
}

/**
 * The page's headers when the API offers OIDC login: the browser exchanges the authorization code at the
 * issuer's token endpoint itself (PKCE, no secret), so that one origin joins `connect-src`. Pure.
 */
export function dashboardHeaders(tokenEndpoint: string | undefined): Record<string, string> {
  if (tokenEndpoint === undefined) return { ...DASHBOARD_HEADERS };
  const origin = new URL(tokenEndpoint).origin;
  const csp = (DASHBOARD_HEADERS['content-security-policy'] ?? '').replace(
    "connect-src 'self'",
    `connect-src 'self' ${origin}`,
  );
  return { ...DASHBOARD_HEADERS, 'content-security-policy': csp };
}

/** The token endpoint of the server's OIDC login, if any (undefined when none or not readable now). */
async function tokenEndpointOf(app: FastifyInstance): Promise<string | undefined> {
  try {
    return (await app.loginConfig?.())?.oidc?.tokenEndpoint;
  } catch {
    return undefined;
  }
}

function send(
  reply: FastifyReply,
  file: StaticFile,
  headers: Readonly<Record<string, string>> = DASHBOARD_HEADERS,
): FastifyReply {
  void reply.headers(headers);
  void reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  return reply.type(file.type).send(file.body);
}

/** The root-level plugin (`buildHttpServer({ plugins: [dashboardPlugin()] })`). */
export function dashboardPlugin(root = dashboardRoot()): FastifyPluginAsync {
  return async (app) => {
    const files = await loadDashboard(root);
    app.get('/', async (_request, reply) => {
      const index = files?.get('/index.html');
      if (index === undefined)
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built: run `npm run build` (it writes dist/ui).\n');
      return send(reply, index, dashboardHeaders(await tokenEndpointOf(app)));
    });
    app.get('/assets/*', (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const file = files?.get(path);
      if (file === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
      return send(reply, file);
    });
  };
}
