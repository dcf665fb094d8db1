import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/controller/app-types.js';
import { MOORING_API_VERSION } from '../../../src/app/model.js';
import type { NotificationPolicyStatus } from '../../../src/crd/notification-policy.js';
import type { Receiver } from '../../unit/notify/receiver.js';
import { startReceiver } from '../../unit/notify/receiver.js';
import type { ControllerHarness } from '../controller/harness.js';
import { condition, configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { testNamespace } from '../../helpers/kube.js';

const HMAC_SECRET = 'notify-test-hmac';
const BROKEN = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\ndata: [unclosed\n';

interface Delivered {
  event: string;
  title: string;
  revision?: string;
  commit?: { author?: string; message?: string };
  apps: { app: string; summary: string; details: string[]; link?: string }[];
}

/** A receiver for the generic webhook; every body's signature is checked as it is read. */
async function webhookReceiver(t: TestContext): Promise<{ receiver: Receiver; messages: () => Delivered[] }> {
  const receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
  t.after(() => receiver.close());
  return {
    receiver,
    messages: () =>
      receiver.requests.map((r) => {
        const expected = `sha256=${createHmac('sha256', HMAC_SECRET).update(r.body).digest('hex')}`;
        assert.equal(r.headers['x-mooring-signature'], expected, 'every delivery is signed');
        return JSON.parse(r.body) as Delivered;
      }),
  };
}

async function createPolicy(
  h: ControllerHarness,
  url: string,
  spec: Record<string, unknown>,
  moreSinks: Record<string, unknown>[] = [],
  namespace = h.appNamespace,
): Promise<void> {
  await h.observer.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'hook', namespace },
    stringData: { url: `${url}/hook`, secret: HMAC_SECRET },
  });
  await h.observer.create({
    apiVersion: MOORING_API_VERSION,
    kind: 'NotificationPolicy',
    metadata: { name: 'team', namespace },
    spec: { sinks: [{ name: 'hook', type: 'webhook', secretRef: { name: 'hook' } }, ...moreSinks], ...spec },
  });
}

async function policyStatus(
  h: ControllerHarness,
  namespace = h.appNamespace,
): Promise<NotificationPolicyStatus> {
  const policy = await h.observer.get(MOORING_API_VERSION, {
    group: 'mooring.dev',
    kind: 'NotificationPolicy',
    namespace,
    name: 'team',
  });
  return policy?.status ?? {};
}

const failedAt =
  (sha: string) =>
  (app: Application): boolean =>
    // Rejected (render or validation) or Failed (apply): either way not Succeeded.
    app.status?.lastSync?.revision === sha && app.status.lastSync.result !== 'Succeeded';

describe('notifications', () => {
  it('sends a failure once (not per reconcile, not again after a restart), then recovered', async (t) => {
    const h = await controllerHarness(t, {
      notifications: { allowHttp: true, dashboardUrl: 'https://mooring.example.com' },
    });
    const { receiver, messages } = await webhookReceiver(t);
    await createPolicy(h, receiver.url, { events: ['sync-failed', 'recovered'], groupWindow: '1s' }, [
      { name: 'events', type: 'kubernetes-events' },
    ]);
    const good = await h.publish({ 'app.yaml': [configMap('settings', { v: '1' })] });
    const name = h.uniqueName('notified');
    await h.createApp(name, { interval: '2s' });
    await h.waitForApp(name, 'Ready', readyAt(good));

    const broken = await h.publish({ 'app.yaml': BROKEN });
    await h.waitForApp(name, 'the sync of the broken commit failed', failedAt(broken));
    const first = await h.waitFor('the failure message', () =>
      Promise.resolve(messages().length > 0 ? messages() : undefined),
    );
    assert.equal(first.length, 1);
    const failure = first[0];
    assert.equal(failure?.event, 'sync-failed');
    assert.equal(failure.revision, broken);
    assert.match(failure.commit?.message ?? '', /change app\.yaml/);
    assert.equal(failure.apps[0]?.app, `${h.appNamespace}/${name}`);
    assert.match(failure.apps.at(0)?.summary ?? '', /failed to sync/);
    assert.equal(
      failure.apps.at(0)?.link,
      `https://mooring.example.com/applications/${h.appNamespace}/${name}`,
    );

    // Ten more reconciles of the same failure (manual syncs: each writes a SyncRecord).
    const recordsBefore = (await h.syncRecords(name)).length;
    for (let i = 0; i < 10; i += 1) {
      await h.patchApp(name, {
        metadata: {
          annotations: { 'mooring.dev/sync-requested-at': `${new Date().toISOString()}-${String(i)}` },
        },
      });
      await h.waitFor(`manual sync ${String(i + 1)} recorded`, async () =>
        (await h.syncRecords(name)).length >= recordsBefore + i + 1 ? true : undefined,
      );
    }
    // A restart while it still fails: the new controller syncs the broken commit again (fresh memory).
    await h.stopController();
    await h.startController();
    await h.waitFor('the restarted controller reconciled the failing app', async () => {
      const records = await h.syncRecords(name);
      return records.length >= recordsBefore + 11 ? true : undefined;
    });

    const fixed = await h.publish({ 'app.yaml': [configMap('settings', { v: '2' })] });
    await h.waitForApp(name, 'Ready at the fix', readyAt(fixed));
    // The notifier decides reports in order: once "recovered" is here, every reconcile before it was decided.
    const all = await h.waitFor('the recovered message', () =>
      Promise.resolve(messages().some((m) => m.event === 'recovered') ? messages() : undefined),
    );
    assert.deepEqual(
      all.map((m) => [m.event, m.revision]),
      [
        ['sync-failed', broken],
        ['recovered', fixed],
      ],
    );

    const status = await h.waitFor('the policy status', async () => {
      const s = await policyStatus(h);
      const delivered = (s.sinks ?? []).map((k) => k.delivered);
      return delivered.length === 2 && delivered.every((d) => d === 2) ? s : undefined;
    });
    const state = status.apps?.find((a) => a.app === `${h.appNamespace}/${name}`);
    assert.deepEqual([state?.sync, state?.revision], ['Succeeded', fixed]);
    assert.deepEqual(
      (status.sinks ?? []).map((k) => k.failed ?? 0),
      [0, 0],
    );
    // The kubernetes-events sink: one Event per message on the Application.
    const events = (await h.events(name)).filter((e) => String(e.reason).startsWith('Notify'));
    assert.deepEqual(events.map((e) => [e.reason, e.type]).sort(), [
      ['NotifyRecovered', 'Normal'],
      ['NotifySyncFailed', 'Warning'],
    ]);
    assert.equal(condition(await h.getApp(name), 'Ready')?.status, 'True');
  });

  it('groups five apps failing on one commit into one message', async (t) => {
    const h = await controllerHarness(t, { notifications: { allowHttp: true, retryBaseMs: 50 } });
    const { receiver, messages } = await webhookReceiver(t);
    // A second sink whose service is down: retried, reported in status, and no obstacle to the first.
    const down = await startReceiver(() => ({ status: 503, body: 'unavailable' }));
    t.after(() => down.close());
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'down', namespace: h.appNamespace },
      stringData: { url: `${down.url}/hook` },
    });
    await createPolicy(h, receiver.url, { events: ['sync-failed'], groupWindow: '10s' }, [
      { name: 'down', type: 'webhook', secretRef: { name: 'down' } },
    ]);
    const folders = ['a', 'b', 'c', 'd', 'e'];
    const files: Record<string, string | ReturnType<typeof configMap>[]> = {};
    for (const f of folders) files[`${f}/app.yaml`] = [configMap(`settings-${f}`, { v: '1' })];
    const good = await h.publish(files, '.');
    const names = folders.map((f) => h.uniqueName(`group-${f}`));
    for (const [i, name] of names.entries()) await h.createApp(name, { interval: '2s' }, folders[i]);
    for (const name of names) await h.waitForApp(name, 'Ready', readyAt(good));

    const breaking: Record<string, string> = {};
    for (const f of folders) breaking[`${f}/app.yaml`] = BROKEN;
    const broken = await h.publish(breaking, '.');
    for (const name of names) await h.waitForApp(name, 'failed', failedAt(broken));
    const delivered = await h.waitFor('the grouped message', () =>
      Promise.resolve(messages().length > 0 ? messages() : undefined),
    );
    assert.equal(delivered.length, 1, 'one message');
    const message = delivered[0];
    assert.equal(message?.event, 'sync-failed');
    assert.equal(message.revision, broken);
    assert.match(message.title, /^5 apps: sync failed/);
    assert.deepEqual(
      message.apps.map((a) => a.app).sort(),
      names.map((n) => `${h.appNamespace}/${n}`).sort(),
    );

    const status = await h.waitFor('the failing sink in the policy status', async () => {
      const s = await policyStatus(h);
      return s.sinks?.find((k) => k.name === 'down')?.failed === 1 ? s : undefined;
    });
    const failing = status.sinks?.find((k) => k.name === 'down');
    assert.match(failing?.lastError ?? '', /answered 503/);
    assert.equal(down.requests.length, 5, 'tried five times (with backoff) before giving up');
    assert.equal(status.sinks?.find((k) => k.name === 'hook')?.delivered, 1);
  });

  it('sends out-of-sync once an app has been OutOfSync for the policy time, with no new report', async (t) => {
    const h = await controllerHarness(t, { notifications: { allowHttp: true } });
    const { receiver, messages } = await webhookReceiver(t);
    await createPolicy(h, receiver.url, { events: ['out-of-sync'], outOfSyncAfter: '3s', groupWindow: '0s' });
    await h.publish({ 'app.yaml': [configMap('manual', { mode: 'manual' })] });
    const name = h.uniqueName('manual');
    await h.createApp(name, { syncPolicy: { automated: false } });
    await h.waitForApp(name, 'OutOfSync', (app) => app.status?.sync?.status === 'OutOfSync');
    const delivered = await h.waitFor('the out-of-sync message', () =>
      Promise.resolve(messages().length > 0 ? messages() : undefined),
    );
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]?.event, 'out-of-sync');
    assert.match(delivered[0].apps.at(0)?.summary ?? '', /has been OutOfSync since/);
    const since = /since (\S+)/.exec(delivered[0].apps.at(0)?.summary ?? '')?.[1] ?? '';
    const sentAt = (JSON.parse(receiver.requests[0]?.body ?? '{}') as { sentAt?: string }).sentAt ?? '';
    assert.ok(Date.parse(sentAt) - Date.parse(since) >= 3000, `sent ${sentAt}, OutOfSync since ${since}`);
  });

  it("never tells a tenant's policy about another namespace's apps", async (t) => {
    const tenant = await testNamespace(t);
    const h = await controllerHarness(t, {
      notifications: { allowHttp: true },
      applicationNamespaces: [tenant],
    });
    const own = await webhookReceiver(t);
    const theirs = await webhookReceiver(t);
    await createPolicy(h, own.receiver.url, { events: ['sync-failed'], groupWindow: '0s' });
    // The tenant asks for this namespace's apps by name: the selector is narrowed to its own namespace.
    await createPolicy(
      h,
      theirs.receiver.url,
      { events: ['sync-failed'], groupWindow: '0s', selector: { namespaces: [h.appNamespace] } },
      [],
      tenant,
    );
    const warned = await h.waitFor('the tenant policy says its selector is narrowed', async () => {
      const s = await policyStatus(h, tenant);
      return s.message === undefined ? undefined : s;
    });
    assert.match(warned.message ?? '', new RegExp(`${h.appNamespace} ignored`));

    const broken = await h.publish({ 'app.yaml': BROKEN });
    const name = h.uniqueName('secret-project');
    await h.createApp(name, { interval: '2s' });
    await h.waitForApp(name, 'failed', failedAt(broken));
    await h.waitFor('the message to the policy of the app namespace', () =>
      Promise.resolve(own.messages().length > 0 ? true : undefined),
    );
    // Both policies are decided in the same pass and their state written in the same status write.
    await h.waitFor('the app state in the own policy', async () =>
      (await policyStatus(h)).apps?.some((a) => a.app === `${h.appNamespace}/${name}`) === true
        ? true
        : undefined,
    );
    const tenantStatus = await policyStatus(h, tenant);
    assert.deepEqual(tenantStatus.apps ?? [], []);
    assert.deepEqual(tenantStatus.sinks ?? [], []);
    assert.equal(theirs.messages().length, 0);
  });
});
