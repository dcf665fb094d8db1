/**
 * Image automation notifications on the local cluster, real registry and real Git: a pushed image's commit
 * is told once (image-updated, naming the commit and the image before → after), a rollback's hold once
 * however many scans, newer images and a controller restart follow (image-held), and the update after
 * unpin again.
 * The receiver stands in for a webhook endpoint and checks each body's HMAC signature.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';

import { rollbackRequestPatch, unpinRequestPatch } from '../../../src/app/protocol.js';
import { MOORING_API_VERSION } from '../../../src/app/model.js';
import type { NotificationPolicyStatus } from '../../../src/crd/notification-policy.js';
import { git } from '../../../src/devgit/git-cli.js';
import { startReceiver } from '../../unit/notify/receiver.js';
import { startAutomationFixture } from './automation-fixture.js';

const HMAC_SECRET = 'image-notify-hmac';

interface Delivered {
  event: string;
  title: string;
  revision?: string;
  apps: { app: string; summary: string; details: string[] }[];
}

describe('image automation notifications', () => {
  it('tells an image update once, a rollback hold once across scans and a restart, and the update after unpin', async (t) => {
    const f = await startAutomationFixture(t, '1.0.0', { allowHttp: true });
    const { h } = f;
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const messages = (): Delivered[] =>
      receiver.requests.map((r) => {
        const expected = `sha256=${createHmac('sha256', HMAC_SECRET).update(r.body).digest('hex')}`;
        assert.equal(r.headers['x-mooring-signature'], expected, 'every delivery is signed');
        assert.equal(r.headers['x-mooring-event'], (JSON.parse(r.body) as Delivered).event);
        return JSON.parse(r.body) as Delivered;
      });
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hook', namespace: h.appNamespace },
      stringData: { url: `${receiver.url}/hook`, secret: HMAC_SECRET },
    });
    await h.observer.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'NotificationPolicy',
      metadata: { name: 'images', namespace: h.appNamespace },
      spec: {
        events: ['image-updated', 'image-held'],
        groupWindow: '0s',
        sinks: [{ name: 'hook', type: 'webhook', secretRef: { name: 'hook' } }],
      },
    });
    const appName = h.uniqueName('web');
    const app = `${h.appNamespace}/${appName}`;
    const file = 'apps/web/deployment.yaml';
    await f.registry.pushImage('team/web', '1.0.0');
    await h.createApp(appName, {}, 'apps/web');
    await h.waitFor(
      'the Deployment at 1.0.0',
      async () => ((await f.liveImage()) === `${f.image}:1.0.0` ? true : undefined),
      60_000,
    );
    await f.createAutomation('web');
    await h.waitFor('a first automation run', () => Promise.resolve(f.runs[0]), 60_000);
    const firstHead = await git(h.repo.bareDir, ['rev-parse', 'main']);

    // A new image: one commit, one message naming it, the app and the image before → after.
    await f.registry.pushImage('team/web', '1.1.0');
    const [updated] = await h.waitFor(
      'the image-updated message',
      () => Promise.resolve(messages().length > 0 ? messages() : undefined),
      60_000,
    );
    const bump = await git(h.repo.bareDir, ['rev-parse', 'main']);
    assert.notEqual(bump, firstHead);
    assert.equal(updated?.event, 'image-updated');
    assert.equal(updated.revision, bump);
    assert.deepEqual(
      updated.apps.map((a) => a.app),
      [app],
    );
    assert.equal(updated.apps[0]?.summary, `${app}: image updated in ${bump.slice(0, 12)} on main`);
    assert.ok(
      updated.apps[0].details.includes(`image ${file}: ${f.image}:1.0.0 -> ${f.image}:1.1.0`),
      JSON.stringify(updated.apps[0].details),
    );

    // Roll back: once the revert lands, the image the policy chose is held back, and that is told once.
    await h.observer.mergePatch(
      MOORING_API_VERSION,
      { group: 'mooring.dev', kind: 'Application', namespace: h.appNamespace, name: appName },
      rollbackRequestPatch(firstHead, new Date()),
    );
    await h.waitFor(
      'the Deployment back at 1.0.0',
      async () => ((await f.liveImage()) === `${f.image}:1.0.0` ? true : undefined),
      60_000,
    );
    const held = await h.waitFor(
      'the image-held message',
      () => Promise.resolve(messages().find((m) => m.event === 'image-held')),
      60_000,
    );
    assert.equal(held.revision, undefined, 'nothing was committed');
    assert.match(
      held.apps[0]?.summary ?? '',
      new RegExp(`image update held, held by rollback of app ${app} `),
    );
    assert.ok(
      held.apps[0]?.details.includes(`image ${file}: ${f.image}:1.0.0 -> ${f.image}:1.1.0`),
      JSON.stringify(held.apps[0]?.details),
    );
    // A newer image while held: the same hold, not told again.
    await f.registry.pushImage('team/web', '1.2.0');
    await h.waitFor(
      'ImagePolicy web at 1.2.0',
      async () => {
        const policy = await h.get(MOORING_API_VERSION, 'ImagePolicy', 'web', h.appNamespace);
        return (policy?.status as { latestImage?: string } | undefined)?.latestImage === `${f.image}:1.2.0`
          ? true
          : undefined;
      },
      60_000,
    );
    const heldRuns = async (more: number, what: string): Promise<void> => {
      const before = f.runs.length;
      await h.waitFor(
        what,
        () =>
          Promise.resolve(
            f.runs.slice(before).filter((r) => r.kind === 'unchanged' && r.held.length > 0).length >= more
              ? true
              : undefined,
          ),
        60_000,
      );
    };
    await heldRuns(2, 'two more scans while held');
    // The state is in the policy status: a restarted controller reads it and tells the hold no more.
    await h.waitFor('the hold in the policy status', async () => {
      const policy = await h.observer.get(MOORING_API_VERSION, {
        group: 'mooring.dev',
        kind: 'NotificationPolicy',
        namespace: h.appNamespace,
        name: 'images',
      });
      const status = (policy?.status ?? {}) as NotificationPolicyStatus;
      return status.apps?.find((a) => a.app === app)?.imageHeld;
    });
    await h.stopController();
    await h.startController();
    await heldRuns(2, 'two scans while held after the restart');

    // Unpin: the next run commits 1.2.0; the notifier decides in order, so every held run was decided before.
    await h.observer.mergePatch(
      MOORING_API_VERSION,
      { group: 'mooring.dev', kind: 'Application', namespace: h.appNamespace, name: appName },
      unpinRequestPatch(new Date()),
    );
    const all = await h.waitFor(
      'the image-updated message after unpin',
      () => Promise.resolve(messages().length >= 3 ? messages() : undefined),
      60_000,
    );
    const release = await git(h.repo.bareDir, ['rev-parse', 'main']);
    assert.deepEqual(
      all.map((m) => [m.event, m.revision]),
      [
        ['image-updated', bump],
        ['image-held', undefined],
        ['image-updated', release],
      ],
    );
  });
});
