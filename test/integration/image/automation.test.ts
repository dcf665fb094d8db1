/**
 * Image automation end to end on the local cluster with a real registry and real Git: an image pushed →
 * registry webhook → scan → ImagePolicy status → a commit in the Git server → the controller applies it →
 * the Deployment carries the new image. Then a rollback holds the automation until `mooring unpin`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { rollbackRequestPatch, unpinRequestPatch } from '../../../src/app/protocol.js';
import { git } from '../../../src/devgit/git-cli.js';
import { startAutomationFixture } from './automation-fixture.js';

describe('image automation end to end', () => {
  it('commits a pushed image to Git, the controller deploys it, and a rollback holds it until unpin', async (t) => {
    const f = await startAutomationFixture(t, '1.0.0');
    const { h } = f;
    const appName = h.uniqueName('web');
    await f.registry.pushImage('team/web', '1.0.0');
    await h.createApp(appName, {}, 'apps/web');
    await h.waitFor(
      'the Deployment at 1.0.0',
      async () => ((await f.liveImage()) === `${f.image}:1.0.0` ? true : undefined),
      60_000,
    );
    await f.createAutomation('web');
    await h.waitFor(
      'a first automation run',
      async () => (f.runs.length > 0 ? f.runs[0] : undefined),
      60_000,
    );
    assert.equal(f.runs[0]?.kind, 'unchanged', 'Git already carries the chosen image: no commit');
    const firstHead = await git(h.repo.bareDir, ['rev-parse', 'main']);

    // Push → webhook → scan → policy → commit → sync.
    await f.registry.pushImage('team/web', '1.1.0');
    await h.waitFor(
      'the Deployment at 1.1.0',
      async () => ((await f.liveImage()) === `${f.image}:1.1.0` ? true : undefined),
      60_000,
    );
    const bumpCommit = await git(h.repo.bareDir, ['rev-parse', 'main']);
    assert.equal(
      await git(h.repo.bareDir, ['rev-parse', 'main^']),
      firstHead,
      'one commit for one image change',
    );
    const log = await git(h.repo.bareDir, ['log', '-1', '--format=%an <%ae>%n%B', 'main']);
    assert.match(log, /^Image Bot <image-bot@example\.test>/);
    assert.ok(log.includes(`${f.image}:1.0.0 → ${f.image}:1.1.0`), log);
    assert.match(log, /\[skip ci\]\s*$/);
    const file = await git(h.repo.bareDir, ['show', 'main:apps/web/deployment.yaml']);
    assert.equal(`${file}\n`, f.deploymentYaml('1.1.0'), 'only the marked value changed');
    const repository = (await f.h.get('mooring.dev/v1alpha1', 'ImageRepository', 'web', h.appNamespace)) as {
      status?: { lastScanTrigger?: string };
    };
    assert.equal(repository.status?.lastScanTrigger, 'webhook');
    const automation = await f.automation('web');
    const status = automation?.status as { lastPushCommit?: string; held?: unknown[] } | undefined;
    assert.equal(status?.lastPushCommit, bumpCommit);

    // Roll back: the controller pushes a revert, the Deployment goes back to 1.0.0.
    await h.observer.mergePatch(
      'mooring.dev/v1alpha1',
      { group: 'mooring.dev', kind: 'Application', namespace: h.appNamespace, name: appName },
      rollbackRequestPatch(firstHead, new Date()),
    );
    await h.waitFor(
      'the Deployment back at 1.0.0',
      async () => ((await f.liveImage()) === `${f.image}:1.0.0` ? true : undefined),
      60_000,
    );
    const revert = await git(h.repo.bareDir, ['rev-parse', 'main']);
    assert.match(await git(h.repo.bareDir, ['log', '-1', '--format=%s', 'main']), /^Roll back /);

    // A newer image: the policy follows, the automation runs and reports the hold instead of committing.
    await f.registry.pushImage('team/web', '1.2.0');
    await h.waitFor(
      'ImagePolicy web at 1.2.0',
      async () => {
        const policy = await h.get('mooring.dev/v1alpha1', 'ImagePolicy', 'web', h.appNamespace);
        return (policy?.status as { latestImage?: string } | undefined)?.latestImage === `${f.image}:1.2.0`
          ? true
          : undefined;
      },
      60_000,
    );
    const runsBefore = f.runs.length;
    const held = await h.waitFor(
      'the automation held by the rollback',
      async () => {
        const current = (await f.automation('web'))?.status as
          { held?: { app: string; reason: string }[] } | undefined;
        return f.runs.length > runsBefore && (current?.held?.length ?? 0) > 0 ? current?.held : undefined;
      },
      60_000,
    );
    assert.deepEqual(
      held.map((entry) => entry.app),
      [`${h.appNamespace}/${appName}`],
    );
    assert.match(held[0]?.reason ?? '', new RegExp(`held by rollback of app ${h.appNamespace}/${appName}`));
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'main']), revert, 'no commit while held');
    assert.equal(await f.liveImage(), `${f.image}:1.0.0`);
    const events = await h.observer.list('v1', 'Event', { namespace: h.appNamespace });
    assert.ok(events.some((e) => e.reason === 'HeldByRollback'));
    const appEvents = await h.events(appName);
    assert.ok(appEvents.some((e) => e.reason === 'ImageUpdatesHeld'));

    // Unpin: the next run bumps to the newest image, and the cluster follows.
    await h.observer.mergePatch(
      'mooring.dev/v1alpha1',
      { group: 'mooring.dev', kind: 'Application', namespace: h.appNamespace, name: appName },
      unpinRequestPatch(new Date()),
    );
    await h.waitFor(
      'the Deployment at 1.2.0 after unpin',
      async () => ((await f.liveImage()) === `${f.image}:1.2.0` ? true : undefined),
      60_000,
    );
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'main^']), revert);
  });
});
