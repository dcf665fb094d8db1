import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import type { AuditEntry } from '../../../src/api/audit.js';
import type { ApiContext } from '../../../src/api/context.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { openApiDocument } from '../../../src/api/openapi.js';
import { buildApiServer } from '../../../src/api/server.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { signBody } from '../../../src/controller/webhook/signature.js';
import { app, FakeAuthenticator, FakeAuthorizer } from './fixtures.js';

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

interface Patch {
  name: string;
  body: unknown;
}

async function server(rules: string[], options: { synced?: boolean } = {}) {
  const index = new ApplicationIndex();
  for (const ns of ['team-a', 'team-b'])
    for (const name of ['web', 'api', 'db']) index.onApplication('ADDED', app({ name, namespace: ns }));
  if (options.synced !== false) index.markSynced();
  const patches: Patch[] = [];
  const audits: AuditEntry[] = [];
  const objects = {
    mergePatch: (_v: string, ref: { name: string }, body: unknown) => {
      patches.push({ name: ref.name, body });
      return Promise.resolve({});
    },
  } as unknown as ObjectsApi;
  const authorizer = new FakeAuthorizer(rules);
  const ctx: ApiContext = {
    index,
    objects,
    authorizer,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    audit: { record: (entry) => Promise.resolve(void audits.push(entry)) },
    now: () => new Date('2026-12-01T03:00:00.000Z'),
  };
  const pushes: string[] = [];
  const s = await buildApiServer({
    context: ctx,
    authenticator: new FakeAuthenticator(),
    webhook: {
      secrets: { generic: 'hook-secret' },
      onPush: (event) => Promise.resolve(void pushes.push(event.branch ?? '')).then(() => ['team-a/web']),
    },
  });
  open.push(s);
  return { s, patches, audits, authorizer, pushes, index };
}

const auth = (user: string) => ({ authorization: `Bearer token-${user}` });

describe('the API server', () => {
  it('answers 401 {code,message,hint} without a token or with a garbage one', async () => {
    const { s } = await server(['alice list *']);
    for (const headers of [{}, { authorization: 'Bearer nonsense' }, { authorization: 'Basic YTpi' }]) {
      const res = await s.inject({ method: 'GET', url: '/api/v1/applications', headers });
      assert.equal(res.statusCode, 401);
      const body = res.json<{ code: string; message: string; hint: string }>();
      assert.equal(body.code, 'UNAUTHENTICATED');
      assert.ok(body.hint.length > 0);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
  });

  it('lists only the namespaces the caller may list', async () => {
    const { s } = await server(['alice list team-a']);
    const res = await s.inject({ method: 'GET', url: '/api/v1/applications', headers: auth('alice') });
    assert.equal(res.statusCode, 200);
    const body = res.json<{ items: { namespace: string; name: string }[] }>();
    assert.deepEqual(
      body.items.map((i) => `${i.namespace}/${i.name}`),
      ['team-a/api', 'team-a/db', 'team-a/web'],
    );
    const other = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-b/web',
      headers: auth('alice'),
    });
    assert.equal(other.statusCode, 403);
    assert.equal(other.json<{ code: string }>().code, 'FORBIDDEN');
  });

  it('refuses an action without patch (403) and writes nothing', async () => {
    const { s, patches, audits } = await server(['bob get team-a']);
    const read = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-a/web',
      headers: auth('bob'),
    });
    assert.equal(read.statusCode, 200);
    const res = await s.inject({
      method: 'POST',
      url: '/api/v1/applications/team-a/web/sync',
      headers: auth('bob'),
    });
    assert.equal(res.statusCode, 403);
    const body = res.json<{ code: string; message: string; hint: string }>();
    assert.equal(body.code, 'FORBIDDEN');
    assert.match(body.message, /bob may not patch applications\.mooring\.dev "web" in namespace team-a/);
    assert.match(body.hint, /kubectl auth can-i patch/);
    assert.equal(patches.length, 0);
    assert.equal(audits.length, 0);
  });

  it('sync writes the request annotation with who asked, and audits it', async () => {
    const { s, patches, audits } = await server(['carol patch team-a']);
    const res = await s.inject({
      method: 'POST',
      url: '/api/v1/applications/team-a/web/sync',
      headers: auth('carol'),
      remoteAddress: '10.1.2.3',
    });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), {
      action: 'sync',
      application: { namespace: 'team-a', name: 'web' },
      requestedBy: 'carol',
    });
    assert.deepEqual(patches, [
      {
        name: 'web',
        body: {
          metadata: {
            annotations: {
              'mooring.dev/sync-requested-at': '2026-12-01T03:00:00.000Z',
              'mooring.dev/requested-by': JSON.stringify({ by: 'carol', for: '2026-12-01T03:00:00.000Z' }),
            },
          },
        },
      },
    ]);
    assert.deepEqual(
      audits.map((a) => [a.identity.user, a.action, a.sourceIP]),
      [['carol', 'sync', '10.1.2.3']],
    );
  });

  it('rollback takes a commit or previous and refuses anything else', async () => {
    const { s, patches } = await server(['carol patch team-a']);
    const bad = await s.inject({
      method: 'POST',
      url: '/api/v1/applications/team-a/web/rollback',
      headers: auth('carol'),
      payload: { to: '--upload-pack=evil' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(patches.length, 0);
    const good = await s.inject({
      method: 'POST',
      url: '/api/v1/applications/team-a/web/rollback',
      headers: auth('carol'),
      payload: { to: 'ABCDEF1' },
    });
    assert.equal(good.statusCode, 202);
    const annotations = (patches[0]?.body as { metadata: { annotations: Record<string, string> } }).metadata
      .annotations;
    assert.equal(annotations['mooring.dev/rollback-to'], 'abcdef1@2026-12-01T03:00:00.000Z');
  });

  it('suspend and resume patch spec.suspend', async () => {
    const { s, patches } = await server(['carol patch team-a']);
    for (const action of ['suspend', 'resume']) {
      const res = await s.inject({
        method: 'POST',
        url: `/api/v1/applications/team-a/web/${action}`,
        headers: auth('carol'),
      });
      assert.equal(res.statusCode, 202);
    }
    assert.deepEqual(
      patches.map((p) => p.body),
      [{ spec: { suspend: true } }, { spec: { suspend: false } }],
    );
  });

  it('answers 404 for an app that does not exist only to a caller who may read there', async () => {
    const { s } = await server(['alice get team-a']);
    const mine = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-a/nope',
      headers: auth('alice'),
    });
    assert.equal(mine.statusCode, 404);
    assert.equal(mine.json<{ code: string }>().code, 'NOT_FOUND');
    const theirs = await s.inject({
      method: 'GET',
      url: '/api/v1/applications/team-b/nope',
      headers: auth('alice'),
    });
    assert.equal(theirs.statusCode, 403);
  });

  it('serves healthz, readyz (503 until the index is synced) and the OpenAPI document', async () => {
    const { s, index } = await server([], { synced: false });
    assert.equal((await s.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await s.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    index.markSynced();
    assert.equal((await s.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    const doc = await s.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(doc.statusCode, 200);
    assert.deepEqual(doc.json(), JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('documents every route it serves in the OpenAPI document', async () => {
    const { s } = await server([]);
    const documented = new Set(
      Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const routes: string[] = [];
    for (const entry of documented) {
      const [method, path] = entry.split(' ') as [string, string];
      const url = path.replace('{namespace}', ':namespace').replace('{name}', ':name');
      assert.ok(s.hasRoute({ method, url }), `${entry} is documented but not served`);
      routes.push(entry);
    }
    assert.ok(routes.length >= 14);
  });

  it('keeps the webhook receiver on the same server, with its signature check', async () => {
    const { s, pushes } = await server([]);
    const body = JSON.stringify({ repoURL: 'https://git.example.com/org/config.git', branch: 'main' });
    const unsigned = await s.inject({
      method: 'POST',
      url: '/api/webhook',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-mooring-signature': 'sha256=00' },
    });
    assert.equal(unsigned.statusCode, 401);
    const signed = await s.inject({
      method: 'POST',
      url: '/api/webhook',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-mooring-signature': signBody('hook-secret', body) },
    });
    assert.equal(signed.statusCode, 202, signed.body);
    assert.deepEqual(pushes, ['main']);
  });
  it('keeps each body limit to its routes: 1 MiB for webhooks, 64 KiB for the API', async () => {
    const { s, patches } = await server(['carol patch team-a']);
    const webhook = await s.inject({
      method: 'POST',
      url: '/api/webhook',
      payload: `{"pad":"${'x'.repeat(1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json', 'x-mooring-signature': 'sha256=00' },
    });
    assert.equal(webhook.statusCode, 413);
    assert.deepEqual(webhook.json(), { error: 'payload too large' }, "the receiver's own answer");
    const midsize = await s.inject({
      method: 'POST',
      url: '/api/webhook',
      payload: `{"pad":"${'x'.repeat(200 * 1024)}"}`,
      headers: { 'content-type': 'application/json', 'x-mooring-signature': 'sha256=00' },
    });
    assert.equal(midsize.statusCode, 401, 'within the webhook limit: checked (and refused) by signature');
    const action = await s.inject({
      method: 'POST',
      url: '/api/v1/applications/team-a/web/rollback',
      headers: { ...auth('carol'), 'content-type': 'application/json' },
      payload: `{"to":"previous","pad":"${'x'.repeat(100 * 1024)}"}`,
    });
    assert.equal(action.statusCode, 413);
    assert.equal(action.json<{ code: string }>().code, 'PAYLOAD_TOO_LARGE');
    assert.equal(patches.length, 0);
  });
});
