import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildWebhookServer, deliveryResult, WEBHOOK_PATH } from '../../../src/controller/webhook/server.js';
import { signBody } from '../../../src/controller/webhook/signature.js';
import { WorkQueue } from '../../../src/controller/work-queue.js';
import type { QueueTimers } from '../../../src/controller/work-queue.js';
import { metricsRoutes } from '../../../src/metrics/http.js';
import { Metrics } from '../../../src/metrics/metrics.js';

const SECRET = 'ci-secret-5';

/** The receiver as the controller builds it: deliveries counted, /metrics mounted on the same server. */
async function receiver(metrics: Metrics): Promise<ReturnType<typeof buildWebhookServer>> {
  const server = buildWebhookServer({
    secrets: { github: SECRET },
    bodyLimitBytes: 256,
    onPush: (event) => Promise.resolve(event.branch === 'main' ? ['apps/web'] : []),
    onDelivery: ({ provider, result }) => {
      metrics.webhookDeliveries.inc({ provider, result });
    },
  });
  await server.register(metricsRoutes(metrics.registry));
  return server;
}

function github(body: string, event: string, delivery: string, secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': signBody(secret, body),
  };
}

describe('metrics over HTTP', () => {
  it('GET /metrics answers the text exposition format, with webhook deliveries by provider and result', async (t) => {
    const metrics = new Metrics({ processMetrics: false });
    const server = await receiver(metrics);
    t.after(() => server.close());
    const push = JSON.stringify({
      ref: 'refs/heads/main',
      after: 'a'.repeat(40),
      repository: { clone_url: 'https://github.com/org/repo.git' },
    });
    const post = (headers: Record<string, string>, payload = push) =>
      server.inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload });
    assert.equal((await post(github(push, 'push', 'd-1'))).statusCode, 202);
    assert.equal((await post(github(push, 'push', 'd-1'))).statusCode, 200, 'a redelivery');
    assert.equal((await post(github(push, 'push', 'd-2', 'wrong'))).statusCode, 401);
    assert.equal((await post(github('{}', 'ping', 'd-3'), '{}')).statusCode, 200);
    assert.equal((await post(github('{}', 'issues', 'd-4'), '{}')).statusCode, 202);
    const big = JSON.stringify({ pad: 'x'.repeat(400) });
    assert.equal((await post(github(big, 'push', 'd-5'), big)).statusCode, 413);
    assert.equal((await post({ 'content-type': 'application/json' }, '{}')).statusCode, 401);

    const response = await server.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = response.body;
    for (const [provider, result] of [
      ['github', 'refreshed'],
      ['github', 'duplicate'],
      ['github', 'unauthorized'],
      ['github', 'ping'],
      ['github', 'ignored'],
      ['github', 'invalid'],
      ['unknown', 'unauthorized'],
    ])
      assert.match(
        text,
        new RegExp(
          `^mooring_webhook_deliveries_total\\{provider="${provider}",result="${result}"\\} 1$`,
          'm',
        ),
        `${provider} ${result}`,
      );
    assert.match(text, /^# TYPE mooring_app_info gauge$/m);
  });

  it('names each answer of the receiver', () => {
    assert.equal(deliveryResult({ status: 202, body: { refreshed: ['a'] } }), 'refreshed');
    assert.equal(deliveryResult({ status: 202, body: { refreshed: [], ignored: 'not a push' } }), 'ignored');
    assert.equal(
      deliveryResult({ status: 200, body: { refreshed: [], ignored: 'duplicate delivery' } }),
      'duplicate',
    );
    assert.equal(deliveryResult({ status: 200, body: 'pong' }), 'ping');
    assert.equal(deliveryResult({ status: 401, body: {} }), 'unauthorized');
    assert.equal(deliveryResult({ status: 400, body: {} }), 'invalid');
    assert.equal(deliveryResult({ status: 500, body: {} }), 'error');
  });
});

/** Time that moves only when the test says so. */
class ManualTimers implements QueueTimers {
  time = 0;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  private id = 0;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, delayMs: number): unknown {
    this.pending.set(++this.id, { at: this.time + delayMs, callback });
    return this.id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(): void {
    for (const [id, timer] of [...this.pending])
      if (timer.at <= this.time) {
        this.pending.delete(id);
        timer.callback();
      }
  }
}

describe('metrics: work queue', () => {
  it('reports depth, active and scheduled keys, and how long a due key waited for a worker', async () => {
    const timers = new ManualTimers();
    const waits: number[] = [];
    const release: (() => void)[] = [];
    const queue = new WorkQueue(
      () =>
        new Promise<void>((resolve) => {
          release.push(resolve);
        }),
      1,
      timers,
      (waited) => waits.push(waited),
    );
    queue.add('a');
    queue.add('b');
    queue.add('c', 5_000);
    assert.deepEqual(queue.counts(), { depth: 1, active: 1, scheduled: 1 });
    assert.deepEqual(waits, [0]);
    timers.time = 1_500;
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    // b was due at 0 and started at 1.5 s, when the only worker came free.
    assert.deepEqual(waits, [0, 1_500]);
    assert.deepEqual(queue.counts(), { depth: 0, active: 1, scheduled: 1 });
    timers.time = 6_000;
    assert.deepEqual(queue.counts(), { depth: 1, active: 1, scheduled: 0 });
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    timers.fire();
    assert.deepEqual(waits, [0, 1_500, 1_000], 'c was due at 5 s and started at 6 s');
    release.shift()?.();
    await queue.stop();
  });
});
