/**
 * Outbound requests to URLs tenants write are confined at the connection (src/net/egress.ts): a
 * NotificationPolicy or a delivery webhook pointing at a loopback address is refused by the controller's
 * default policy with an error naming the host, the address and --egress-allow-cidr, nothing reaches the
 * receiver, and the same requests are delivered once the range is allowed.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/app/model.js';
import type { NotificationPolicyStatus } from '../../../src/crd/notification-policy.js';
import { egressFromFlags } from '../../../src/net/egress.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import type { Receiver } from '../../unit/notify/receiver.js';
import { startReceiver } from '../../unit/notify/receiver.js';
import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';
import { canaryMetrics, deliverySpec, web } from '../delivery/fixtures.js';

const BROKEN = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\ndata: [unclosed\n';

async function receiver(t: TestContext): Promise<Receiver> {
  const r = await startReceiver(() => ({ status: 200, body: 'ok' }));
  t.after(() => r.close());
  return r;
}

/** A policy with one generic webhook sink to `url`, then an app whose next commit fails to sync. */
async function failingAppNotifiedAt(h: ControllerHarness, url: string): Promise<void> {
  await h.observer.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'hook', namespace: h.appNamespace },
    stringData: { url: `${url}/hook` },
  });
  await h.observer.create({
    apiVersion: MOORING_API_VERSION,
    kind: 'NotificationPolicy',
    metadata: { name: 'team', namespace: h.appNamespace },
    spec: {
      sinks: [{ name: 'hook', type: 'webhook', secretRef: { name: 'hook' } }],
      events: ['sync-failed'],
      groupWindow: '0s',
    },
  });
  const good = await h.publish({ 'app.yaml': [configMap('settings', { v: '1' })] });
  const name = h.uniqueName('egress');
  await h.createApp(name, { interval: '2s' });
  await h.waitForApp(name, 'Ready', readyAt(good));
  const broken = await h.publish({ 'app.yaml': BROKEN });
  await h.waitForApp(
    name,
    'the broken commit failed',
    (app) => app.status?.lastSync?.revision === broken && app.status.lastSync.result !== 'Succeeded',
  );
}

async function sinkStatus(
  h: ControllerHarness,
): Promise<NonNullable<NotificationPolicyStatus['sinks']>[number]> {
  return h.waitFor('the sink reported in the policy status', async () => {
    const policy = await h.observer.get(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'NotificationPolicy',
      namespace: h.appNamespace,
      name: 'team',
    });
    const sink = (policy?.status as NotificationPolicyStatus | undefined)?.sinks?.find(
      (s) => s.name === 'hook',
    );
    return (sink?.failed ?? 0) + (sink?.delivered ?? 0) > 0 ? sink : undefined;
  });
}

/** A webhook gate on `host` answering 200, keeping the bodies it got. */
async function gate(t: TestContext, host: string): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      bodies.push(text);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return { url: `http://${host}:${String((server.address() as AddressInfo).port)}/gate`, bodies };
}

describe('egress: tenant URLs reach only allowed addresses', () => {
  it('refuses a NotificationPolicy sink on 127.0.0.1 by default, naming the host, the address and the flag', async (t) => {
    const h = await controllerHarness(t, { notifications: { allowHttp: true }, egress: 'product-default' });
    const r = await receiver(t);
    await failingAppNotifiedAt(h, r.url);
    const sink = await sinkStatus(h);
    assert.equal(sink.failed, 1, 'refused once, not retried (the same address is refused again)');
    assert.equal(sink.delivered ?? 0, 0);
    assert.match(
      sink.lastError ?? '',
      /refused to connect to 127\.0\.0\.1 at 127\.0\.0\.1: loopback, 127\.0\.0\.0\/8 addresses are not reached unless --egress-allow-cidr allows them/,
    );
    assert.equal(r.requests.length, 0, 'nothing reached the receiver');
  });

  it('delivers the same notification when --egress-allow-cidr allows the address', async (t) => {
    const h = await controllerHarness(t, {
      notifications: { allowHttp: true },
      egress: egressFromFlags(['127.0.0.1/32']),
    });
    const r = await receiver(t);
    await failingAppNotifiedAt(h, r.url);
    const sink = await sinkStatus(h);
    assert.equal(sink.delivered, 1);
    assert.equal(r.requests.length, 1);
    assert.match(r.requests[0]?.body ?? '', /"event":"sync-failed"/);
  });

  it('calls a delivery webhook inside the allowed range and refuses one outside it, before any byte is sent', async (t) => {
    // Prometheus and the first gate listen on 127.0.0.1 (allowed); the second gate on 127.0.0.2 (not).
    const h = await controllerHarness(t, { egress: egressFromFlags(['127.0.0.1/32']) });
    const allowed = await gate(t, '127.0.0.1');
    const refused = await gate(t, '127.0.0.2');
    const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web' });
    const prometheus = await startPrometheus(t, { targets: [metrics.target] });
    const name = h.uniqueName('gated');
    const v1 = await h.publish({ 'web.yaml': [web('1.0')] });
    await h.createApp(
      name,
      deliverySpec(prometheus.url, {
        webhooks: [
          { name: 'inside', type: 'rollout', url: allowed.url },
          { name: 'outside', type: 'rollout', url: refused.url },
        ],
      }),
    );
    await h.waitForApp(name, 'synced at v1', readyAt(v1));
    metrics.setMode('good');
    await h.publish({ 'web.yaml': [web('2.0')] });
    const held = await h.waitForApp(name, 'the outside gate refused', (a) =>
      (a.status?.delivery?.message ?? '').includes('gate outside did not answer'),
    );
    assert.match(
      held.status?.delivery?.message ?? '',
      /refused to connect to 127\.0\.0\.2 at 127\.0\.0\.2: loopback, 127\.0\.0\.0\/8 addresses are not reached unless --egress-allow-cidr/,
    );
    assert.ok(allowed.bodies.length >= 1, 'the gate inside the allowed range was called');
    assert.match(allowed.bodies[0] ?? '', /"type":"rollout"/);
    assert.equal(refused.bodies.length, 0, 'nothing reached the gate outside it');
  });
});
