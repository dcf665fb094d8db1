import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';

import type { ApiContext } from '../../../src/api/context.js';
import { DASHBOARD_HEADERS, dashboardPlugin } from '../../../src/api/dashboard.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { buildApiServer } from '../../../src/api/server.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { app, FakeAuthenticator, FakeAuthorizer } from './fixtures.js';

const open: FastifyInstance[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A build folder like dist/ui, with a secret file beside it that must never be served. */
async function build(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mooring-ui-'));
  dirs.push(dir);
  await writeFile(join(dir, 'secret.txt'), 'not for the web');
  const root = join(dir, 'ui');
  await mkdir(join(root, 'assets'), { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(root, path), text);
  return root;
}

async function serve(root: string): Promise<FastifyInstance> {
  const s = Fastify();
  await s.register(dashboardPlugin(root));
  open.push(s);
  return s;
}

describe('the dashboard files', () => {
  it('serves index.html at / and the hashed bundles under /assets with the strict headers', async () => {
    const root = await build({
      'index.html': '<!doctype html><script type="module" src="/assets/index-abc.js"></script>',
      'assets/index-abc.js': 'console.log(1)',
      'assets/index-abc.css': 'body{}',
    });
    const s = await serve(root);
    const index = await s.inject({ method: 'GET', url: '/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.headers['content-type'] as string, /^text\/html/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) assert.equal(index.headers[name], value);
    assert.match(index.headers['content-security-policy'] as string, /script-src 'self';/);
    assert.doesNotMatch(index.headers['content-security-policy'] as string, /unsafe-inline|https?:/);

    const js = await s.inject({ method: 'GET', url: '/assets/index-abc.js?v=1' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.body, 'console.log(1)');
    assert.match(js.headers['content-type'] as string, /^text\/javascript/);
    assert.match(js.headers['cache-control'] as string, /immutable/);
    const css = await s.inject({ method: 'GET', url: '/assets/index-abc.css' });
    assert.match(css.headers['content-type'] as string, /^text\/css/);
  });

  it('serves only the files of the build, by exact path: no traversal, no unknown types', async () => {
    const root = await build({ 'index.html': 'x', 'assets/a.js': 'a', 'assets/notes.txt': 'txt' });
    const s = await serve(root);
    for (const url of [
      '/assets/../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/notes.txt',
      '/assets/missing.js',
      '/assets/A.js',
      '/index.html/../../secret.txt',
      '/secret.txt',
    ]) {
      const res = await s.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /not for the web/, url);
    }
  });

  it('answers 503 with the build command when the dashboard is not built', async () => {
    const s = await serve(join(tmpdir(), 'mooring-ui-never-built-here'));
    const res = await s.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build/);
  });
});

describe('GET .../access', () => {
  async function server(rules: string[]) {
    const index = new ApplicationIndex();
    index.onApplication('ADDED', app({ name: 'web', namespace: 'team-a' }));
    index.markSynced();
    const authorizer = new FakeAuthorizer(rules);
    const ctx: ApiContext = {
      index,
      objects: {} as ObjectsApi,
      authorizer,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      audit: { record: () => Promise.resolve() },
      now: () => new Date('2026-12-01T03:00:00.000Z'),
    };
    const s = await buildApiServer({ context: ctx, authenticator: new FakeAuthenticator() });
    open.push(s);
    return { s, authorizer };
  }
  const auth = (user: string) => ({ authorization: `Bearer token-${user}` });

  it('says every action is allowed to a user who may patch the app, none to one who may only get it', async () => {
    const { s, authorizer } = await server(['alice get team-a', 'alice patch team-a', 'bob get team-a']);
    const alice = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-a/web/access',
      headers: auth('alice'),
    });
    assert.equal(alice.statusCode, 200);
    assert.deepEqual(alice.json(), {
      actions: { sync: true, rollback: true, unpin: true, suspend: true, resume: true, refresh: true },
    });
    const bob = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-a/web/access',
      headers: auth('bob'),
    });
    assert.deepEqual(bob.json(), {
      actions: { sync: false, rollback: false, unpin: false, suspend: false, resume: false, refresh: false },
    });
    assert.ok(authorizer.questions.some((q) => q.user === 'bob' && q.verb === 'patch' && q.name === 'web'));
  });

  it('refuses a user who may not get the app (403) before saying whether it exists', async () => {
    const { s } = await server(['carol get team-b']);
    for (const name of ['web', 'nothing']) {
      const res = await s.inject({
        method: 'GET',
        url: `/api/v1/applications/team-a/${name}/access`,
        headers: auth('carol'),
      });
      assert.equal(res.statusCode, 403, name);
    }
    const missing = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-b/nothing/access',
      headers: auth('carol'),
    });
    assert.equal(missing.statusCode, 404);
    const anonymous = await s.inject({ method: 'GET', url: '/api/v1/applications/team-a/web/access' });
    assert.equal(anonymous.statusCode, 401);
  });
});
