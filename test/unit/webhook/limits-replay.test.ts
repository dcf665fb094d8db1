/**
 * The receiver's limits against slow and repeated deliveries: a request that trickles in is cut with
 * 408 and its connection closed; a delivery id seen before refreshes nothing.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { DeliveryLog } from '../../../src/controller/webhook/deliveries.js';
import { GENERIC_DELIVERY_HEADER } from '../../../src/controller/webhook/providers.js';
import { buildWebhookServer, WEBHOOK_PATH } from '../../../src/controller/webhook/server.js';
import { signBody } from '../../../src/controller/webhook/signature.js';
import type { PushEvent, WebhookServerOptions } from '../../../src/controller/webhook/types.js';
import { sleep } from '../../../src/core/wait.js';
import { rawPayload } from './fixtures.js';

const SECRET = 'gh-secret-1';
const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

function server(
  options: Partial<WebhookServerOptions> = {},
  fail: () => boolean = () => false,
): { app: FastifyInstance; pushes: PushEvent[] } {
  const pushes: PushEvent[] = [];
  const app = buildWebhookServer({
    secrets: { github: SECRET, generic: SECRET, gitlab: SECRET },
    onPush: (event) => {
      pushes.push(event);
      return fail() ? Promise.reject(new Error('queue closed')) : Promise.resolve(['ns/app']);
    },
    ...options,
  });
  open.push(app);
  return { app, pushes };
}

/** A raw connection that collects what the server sends and knows when it closed. */
function rawClient(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect({ port, host: '127.0.0.1' });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      resolve();
    }),
  );
  return { socket, received: () => text, closed };
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

const connections = (app: FastifyInstance): Promise<number> =>
  new Promise((resolve, reject) =>
    app.server.getConnections((error, count) => {
      if (error === null) resolve(count);
      else reject(error);
    }),
  );

/** Sends `chunk` every 50 ms until the server answers or closes, at most `limit` times; returns how many were sent. */
async function trickle(client: ReturnType<typeof rawClient>, chunk: string, limit: number): Promise<number> {
  const state = { closed: false };
  void client.closed.then(() => {
    state.closed = true;
  });
  for (let sent = 0; sent < limit; sent += 1) {
    if (state.closed || client.received() !== '') return sent;
    client.socket.write(chunk);
    await sleep(50);
  }
  return limit;
}

describe('webhook receiver: slow requests', () => {
  it('cuts a request whose headers trickle in with 408, closes it, and keeps serving others', async () => {
    const { app } = server({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const port = await listen(app);
    const client = rawClient(port);
    client.socket.write(`POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\n`);
    // Liveness while the slow client holds its connection: others are served.
    const other = rawClient(port);
    other.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await other.closed;
    assert.match(other.received(), /^HTTP\/1\.1 200 /);
    const sent = await trickle(client, 'X-Slow: a\r\n', 200);
    assert.ok(sent < 200, 'the server answered before the client gave up');
    await client.closed;
    assert.match(client.received(), /^HTTP\/1\.1 408 /);
    assert.equal(await connections(app), 0, 'the connection is gone');
  });

  it('cuts a request whose body trickles in with 408 and never calls onPush', async () => {
    const { app, pushes } = server({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const port = await listen(app);
    const body = rawPayload('github-push');
    const client = rawClient(port);
    client.socket.write(
      [
        `POST ${WEBHOOK_PATH} HTTP/1.1`,
        'Host: x',
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'X-GitHub-Event: push',
        `X-Hub-Signature-256: ${signBody(SECRET, body)}`,
        '',
        '',
      ].join('\r\n'),
    );
    // One byte per 50 ms would take minutes for the whole body.
    const sent = await trickle(client, '{', 200);
    assert.ok(sent < 200, 'the server answered before the client gave up');
    await client.closed;
    assert.match(client.received(), /^HTTP\/1\.1 408 /);
    assert.equal(pushes.length, 0);
    assert.equal(await connections(app), 0, 'the connection is gone');
  });
});

function githubDelivery(id: string, secret = SECRET): { headers: Record<string, string>; body: string } {
  const body = rawPayload('github-push');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': id,
      'x-hub-signature-256': signBody(secret, body),
    },
  };
}

async function deliver(
  app: FastifyInstance,
  delivery: { headers: Record<string, string>; body: string },
): Promise<{ status: number; body: unknown }> {
  const response = await app.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: delivery.headers,
    payload: delivery.body,
  });
  return { status: response.statusCode, body: response.json() };
}

describe('webhook receiver: replayed deliveries', () => {
  it('acts on a delivery id once: a replay is answered 200 and refreshes nothing', async () => {
    const { app, pushes } = server();
    const first = await deliver(app, githubDelivery('d-1'));
    assert.equal(first.status, 202);
    assert.equal(pushes.length, 1);
    const replay = await deliver(app, githubDelivery('d-1'));
    assert.deepEqual(replay, { status: 200, body: { refreshed: [], ignored: 'duplicate delivery' } });
    assert.equal(pushes.length, 1);
    assert.equal((await deliver(app, githubDelivery('d-2'))).status, 202, 'a new id is acted on');
    assert.equal(pushes.length, 2);
  });

  it('does not let an unverified delivery use up an id', async () => {
    const { app, pushes } = server();
    assert.equal((await deliver(app, githubDelivery('d-1', 'wrong-secret'))).status, 401);
    assert.equal((await deliver(app, githubDelivery('d-1'))).status, 202);
    assert.equal(pushes.length, 1);
  });

  it('forgets the id of a delivery that failed here, so the sender can retry it', async () => {
    let failing = true;
    const { app, pushes } = server({}, () => failing);
    assert.equal((await deliver(app, githubDelivery('d-1'))).status, 500);
    failing = false;
    assert.equal((await deliver(app, githubDelivery('d-1'))).status, 202);
    assert.equal(pushes.length, 2);
  });

  it("keeps ids per provider, and reads each provider's delivery header", async () => {
    const { app, pushes } = server();
    const generic = JSON.stringify({ repoURL: 'https://git.example.com/org/config.git', branch: 'main' });
    const genericDelivery = {
      body: generic,
      headers: {
        'content-type': 'application/json',
        'x-mooring-signature': signBody(SECRET, generic),
        [GENERIC_DELIVERY_HEADER]: 'd-1',
      },
    };
    assert.equal((await deliver(app, githubDelivery('d-1'))).status, 202);
    assert.equal(
      (await deliver(app, genericDelivery)).status,
      202,
      'the same id from another provider counts',
    );
    assert.equal((await deliver(app, genericDelivery)).status, 200);
    const gitlab = rawPayload('gitlab-push');
    const gitlabDelivery = {
      body: gitlab,
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': SECRET,
        'x-gitlab-event-uuid': 'u-1',
      },
    };
    assert.equal((await deliver(app, gitlabDelivery)).status, 202);
    assert.equal((await deliver(app, gitlabDelivery)).status, 200);
    assert.equal(pushes.length, 3);
  });
});

describe('DeliveryLog', () => {
  it('expires ids after the ttl and drops the oldest beyond its size', () => {
    let now = 0;
    const log = new DeliveryLog({ ttlMs: 1_000, maxEntries: 2, now: () => now });
    assert.equal(log.checkAndRemember('a'), false);
    assert.equal(log.checkAndRemember('a'), true);
    now = 999;
    assert.equal(log.checkAndRemember('a'), true);
    now = 1_000;
    assert.equal(log.checkAndRemember('a'), false, 'expired, so new again');
    assert.equal(log.checkAndRemember('b'), false);
    assert.equal(log.checkAndRemember('c'), false);
    assert.equal(log.size, 2);
    assert.equal(log.checkAndRemember('a'), false, 'the oldest was dropped');
  });

  it('keys ids by provider, ignores empty ids, and bounds long ones', () => {
    assert.equal(DeliveryLog.keyOf('github', 'x'), 'github:x');
    assert.equal(DeliveryLog.keyOf('github', '  '), undefined);
    assert.equal(DeliveryLog.keyOf('github', undefined), undefined);
    assert.equal(DeliveryLog.keyOf('gitea', 'y'.repeat(1000))?.length, 'gitea:'.length + 128);
  });
});
