import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import { deliverySchema, webhookSchema } from '../../../src/crd/delivery.js';
import { runGates } from '../../../src/delivery/webhooks.js';
import { loopbackEgress } from '../../helpers/egress.js';

/** A receiver answering `status` and keeping each request (method, content type, parsed body). */
async function receiver(
  t: TestContext,
  status: number,
): Promise<{ url: string; requests: { method?: string; type?: string; body: unknown }[] }> {
  const requests: { method?: string; type?: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      requests.push({
        ...(req.method === undefined ? {} : { method: req.method }),
        ...(req.headers['content-type'] === undefined ? {} : { type: req.headers['content-type'] }),
        body: JSON.parse(text) as unknown,
      });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

/** The receivers listen on loopback: the test allows exactly it. */
const egressFetch = loopbackEgress().fetch;
const subject = { name: 'web', namespace: 'shop', checksum: '0123456789abcdef' };

describe('delivery webhooks', () => {
  it('accepts pre-rollout as a webhook type (Flagger)', () => {
    const hook = webhookSchema.parse({ name: 'smoke', type: 'pre-rollout', url: 'https://t.example/' });
    assert.equal(hook.type, 'pre-rollout');
    const spec = deliverySchema.safeParse({
      target: 'web',
      canary: { steps: [{ weight: 10 }] },
      analysis: {
        prometheus: { address: 'http://prom:9090' },
        webhooks: [{ name: 'smoke', type: 'pre-rollout', url: 'https://t.example/' }],
      },
    });
    assert.equal(spec.success, true);
  });

  it('posts Flagger’s payload to pre-rollout webhooks only, in order; a 2xx passes', async (t) => {
    const smoke = await receiver(t, 200);
    const other = await receiver(t, 200);
    const hooks = [
      webhookSchema.parse({ name: 'smoke', type: 'pre-rollout', url: smoke.url, metadata: { cmd: 'ping' } }),
      webhookSchema.parse({ name: 'load', type: 'rollout', url: other.url }),
    ];
    const gate = await runGates(hooks, 'pre-rollout', subject, egressFetch);
    assert.deepEqual(gate, { passed: true, message: 'smoke passed' });
    assert.deepEqual(smoke.requests, [
      {
        method: 'POST',
        type: 'application/json',
        body: {
          name: 'web',
          namespace: 'shop',
          phase: 'Progressing',
          checksum: '0123456789abcdef',
          type: 'pre-rollout',
          metadata: { cmd: 'ping' },
        },
      },
    ]);
    assert.equal(other.requests.length, 0, 'a rollout webhook is not a pre-rollout one');
  });

  it('a non-2xx answer fails the gate, naming the webhook and the status', async (t) => {
    const smoke = await receiver(t, 503);
    const hooks = [webhookSchema.parse({ name: 'smoke', type: 'pre-rollout', url: smoke.url })];
    assert.deepEqual(await runGates(hooks, 'pre-rollout', subject, egressFetch), {
      passed: false,
      message: 'gate smoke answered 503',
    });
  });

  it('no pre-rollout webhook: no gate', async () => {
    assert.equal(await runGates([], 'pre-rollout', subject, egressFetch), undefined);
    assert.equal(await runGates(undefined, 'pre-rollout', subject, egressFetch), undefined);
  });
});
