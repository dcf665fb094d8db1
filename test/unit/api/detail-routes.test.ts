import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import type { ApiContext } from '../../../src/api/context.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { detailRoutes } from '../../../src/api/routes/detail.js';
import type { DetailBackend } from '../../../src/api/routes/detail.js';
import { DETAIL_OPENAPI_PATHS } from '../../../src/api/routes/detail-openapi.js';
import { streamRoutes } from '../../../src/api/routes/stream.js';
import { buildApiServer } from '../../../src/api/server.js';
import { StreamHub } from '../../../src/api/stream.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { app, FakeAuthenticator, FakeAuthorizer } from './fixtures.js';

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

async function server(rules: string[], backend: DetailBackend = {}) {
  const index = new ApplicationIndex();
  index.onApplication('ADDED', app({ name: 'web', namespace: 'team-a' }));
  index.markSynced();
  const listed: string[] = [];
  const objects = {
    list: (_v: string, kind: string) => {
      listed.push(kind);
      return Promise.resolve([
        {
          apiVersion: 'mooring.dev/v1alpha1',
          kind: 'SyncRecord',
          metadata: { name: 'web-1', namespace: 'team-a', labels: { 'mooring.dev/application': 'web' } },
          spec: { revision: 'b'.repeat(40) },
        },
      ]);
    },
  } as unknown as ObjectsApi;
  const ctx: ApiContext = {
    index,
    objects,
    authorizer: new FakeAuthorizer(rules),
    logger: quiet,
    audit: { record: () => Promise.resolve() },
    now: () => new Date('2026-12-01T03:00:00.000Z'),
  };
  const hub = new StreamHub({ index, objects, namespaces: ['team-a'], logger: quiet });
  const s = await buildApiServer({
    context: ctx,
    authenticator: new FakeAuthenticator(),
    routes: [detailRoutes(backend), streamRoutes(hub)],
    openApiPaths: DETAIL_OPENAPI_PATHS,
  });
  open.push(s);
  return { s, listed };
}

const auth = (user: string) => ({ authorization: `Bearer token-${user}` });

describe('API detail routes (tree, diff, streams)', () => {
  it('are documented in the OpenAPI document and served', async () => {
    const { s } = await server([]);
    const doc = (await s.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, object>;
    }>();
    for (const path of Object.keys(DETAIL_OPENAPI_PATHS)) {
      assert.ok(path in doc.paths, `${path} in /api/openapi.json`);
      const url = path.replace('{namespace}', ':namespace').replace('{name}', ':name');
      assert.ok(s.hasRoute({ method: 'GET', url }), `${path} served`);
    }
  });

  it('need get on the Application: 403 with code and hint, and nothing is read', async () => {
    const { s, listed } = await server(['alice get team-b']);
    for (const url of [
      '/api/v1/applications/team-a/web/tree',
      '/api/v1/applications/team-a/web/diff',
      '/api/v1/applications/team-a/web/diff?from=web-1',
      '/api/v1/applications/team-a/web/stream',
    ]) {
      const answer = await s.inject({ method: 'GET', url, headers: auth('alice') });
      assert.equal(answer.statusCode, 403, url);
      const body = answer.json<{ code: string; hint: string }>();
      assert.equal(body.code, 'FORBIDDEN');
      assert.match(body.hint, /kubectl auth can-i get/);
    }
    assert.deepEqual(listed, []);
    assert.equal(
      (await s.inject({ method: 'GET', url: '/api/v1/applications/team-a/web/tree' })).statusCode,
      401,
    );
  });

  it('refuses from/to values that are neither a record of the app nor a commit of its history', async () => {
    const desiredAt: string[] = [];
    const { s } = await server(['alice get team-a'], {
      preview: {
        liveDiff: () => Promise.reject(new Error('not called')),
        desiredAt: (_app, commit) => {
          desiredAt.push(commit);
          return Promise.resolve({
            commit: {
              sha: commit,
              subject: 's',
              message: 's',
              authorName: 'a',
              authorEmail: 'a@example.com',
              authorDate: '2026-12-01T00:00:00Z',
            },
            objects: [],
            warnings: [],
          });
        },
      },
    });
    for (const from of ['--upload-pack=touch', 'HEAD~1', 'web-2', 'abcdef0']) {
      const answer = await s.inject({
        method: 'GET',
        url: `/api/v1/applications/team-a/web/diff?from=${encodeURIComponent(from)}`,
        headers: auth('alice'),
      });
      assert.equal(answer.statusCode, 400, from);
    }
    assert.deepEqual(desiredAt, [], 'nothing refused reached the source');
    // A record of the app and a full commit are accepted; `to` defaults to the current revision.
    const ok = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-a/web/diff?from=web-1',
      headers: auth('alice'),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(desiredAt, ['b'.repeat(40), 'a'.repeat(40)]);
    assert.equal(ok.json<{ from: { record: string } }>().from.record, 'web-1');
  });

  it('answers 503 with a hint when the server runs without a controller', async () => {
    const { s } = await server(['alice get team-a']);
    const answer = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-a/web/diff',
      headers: auth('alice'),
    });
    assert.equal(answer.statusCode, 503);
    assert.match(answer.json<{ hint: string }>().hint, /mooring controller/);
  });
});
