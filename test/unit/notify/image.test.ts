import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { AppNotifyState } from '../../../src/crd/notification-policy.js';
import { NOTIFY_EVENTS } from '../../../src/crd/notification-policy.js';
import type { ImageUpdateReport, ReportedApp } from '../../../src/image/update/report.js';
import { decideImage, imageObservations } from '../../../src/notify/image.js';
import { buildMessage } from '../../../src/notify/message.js';
import { webhookBody } from '../../../src/notify/sinks/webhook.js';
import { commitStatusesOf } from '../../../src/notify/sinks/commit-status.js';
import type { NotificationEvent } from '../../../src/notify/decide.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const COMMIT = 'c'.repeat(40);
const WEB: ReportedApp = {
  namespace: 'apps',
  name: 'web',
  labels: { team: 'a' },
  repoURL: 'https://github.com/acme/deploy.git',
};
const API: ReportedApp = { ...WEB, name: 'api' };
const IMAGE = {
  path: 'apps/web/deployment.yaml',
  before: 'reg/web:1.0.0',
  after: 'reg/web:1.1.0',
  policy: 'apps/web',
};
const REASON = 'held by rollback of app apps/web (reverted from abcdef012345)';

function report(extra: Partial<ImageUpdateReport> = {}): ImageUpdateReport {
  return {
    automation: 'apps/bump',
    outcome: 'pushed',
    repository: 'https://github.com/acme/deploy.git',
    branch: 'main',
    commit: COMMIT,
    pushedTo: 'main',
    images: [IMAGE],
    updated: [{ app: WEB, images: [IMAGE] }],
    held: [],
    covered: [WEB, API],
    ...extra,
  };
}

const heldRun = (after = '1.2.0'): ImageUpdateReport =>
  report({
    outcome: 'unchanged',
    updated: [],
    images: [],
    held: [{ app: WEB, reason: REASON, images: [{ ...IMAGE, after: `reg/web:${after}` }] }],
  });

/** Decides every observation of `runs` for app apps/web in order: events per run and the final state. */
function run(
  runs: ImageUpdateReport[],
  start?: AppNotifyState,
): { events: string[][]; state?: AppNotifyState } {
  let state = start;
  const events: string[][] = [];
  runs.forEach((r, i) => {
    const names: string[] = [];
    for (const o of imageObservations(r).filter((x) => x.app.name === 'web')) {
      const d = decideImage(state, o, new Date(NOW.getTime() + i * 1000), NOTIFY_EVENTS);
      names.push(...d.events.map((e) => e.event));
      state = d.state;
    }
    events.push(names);
  });
  return { events, ...(state === undefined ? {} : { state }) };
}

describe('image notifications', () => {
  it('one observation per app: updated, held, or released (covered and neither)', () => {
    const observed = imageObservations(
      report({
        held: [{ app: API, reason: REASON, images: [] }],
        covered: [WEB, API, { ...WEB, name: 'db' }],
      }),
    );
    assert.deepEqual(
      observed.map((o) => [o.what, o.app.name]),
      [
        ['updated', 'web'],
        ['held', 'api'],
        ['released', 'db'],
      ],
    );
    // A failed run read nothing: it releases no hold.
    assert.deepEqual(imageObservations(report({ outcome: 'failed', updated: [], held: [] })), []);
  });

  it('sends image-updated once per commit, even if the same run is reported again', () => {
    const { events, state } = run([report(), report(), report({ commit: 'd'.repeat(40) })]);
    assert.deepEqual(events, [['image-updated'], [], ['image-updated']]);
    assert.equal(state?.app, 'apps/web');
    assert.match(state.image ?? '', /^[0-9a-f]{8}$/);
  });

  it('sends image-held once per hold: not on every scan, nor for a newer image or a later stage of it', () => {
    const reverted = heldRun('1.3.0');
    const later = {
      ...reverted,
      held: reverted.held.map((h) => ({ ...h, reason: 'held by rollback of app apps/web (pinned to 0123)' })),
    };
    const { events } = run([heldRun(), heldRun(), heldRun(), reverted, later]);
    assert.deepEqual(events, [['image-held'], [], [], [], []]);
    // Another app's rollback holding it (a parent folder) is another hold.
    const other = {
      ...later,
      held: later.held.map((h) => ({ ...h, reason: 'held by rollback of app apps/all (reverted)' })),
    };
    assert.deepEqual(run([heldRun(), other]).events, [['image-held'], ['image-held']]);
  });

  it('a restart re-sends nothing: the state kept in status decides', () => {
    const first = run([heldRun()]);
    // The state goes through the policy status (JSON) and back.
    const kept = JSON.parse(JSON.stringify(first.state)) as AppNotifyState;
    assert.deepEqual(run([heldRun()], kept).events, [[]]);
  });

  it('a hold that ends is forgotten, so the next hold is told; released apps without state keep none', () => {
    const released = report({ outcome: 'unchanged', updated: [], images: [] });
    const { events, state } = run([heldRun(), released, heldRun()]);
    assert.deepEqual(events, [['image-held'], [], ['image-held']]);
    assert.notEqual(state?.imageHeld, undefined);
    const nothing = run([released]);
    assert.equal(nothing.state, undefined, 'no state made up for an app nothing happened to');
  });

  it('keeps state but sends nothing for events the policy does not ask for', () => {
    const observation = imageObservations(report())[0];
    assert.ok(observation !== undefined);
    const decision = decideImage(undefined, observation, NOW, ['sync-failed']);
    assert.deepEqual(decision.events, []);
    assert.notEqual(decision.state?.image, undefined);
  });

  it('messages say what changed, where it went and why a hold holds', () => {
    const events: NotificationEvent[] = [];
    for (const r of [report(), heldRun()])
      for (const o of imageObservations(r).filter((x) => x.what !== 'released'))
        events.push(...decideImage(undefined, o, NOW, NOTIFY_EVENTS).events);
    const [updated, held] = events;
    assert.ok(updated !== undefined && held !== undefined);
    const message = buildMessage({
      policy: 'apps/team',
      events: [updated],
      suppressed: 0,
      dashboardUrl: 'https://mooring.example',
    });
    assert.equal(message.severity, 'info');
    assert.equal(message.title, `web: images updated at ${COMMIT.slice(0, 12)}`);
    assert.equal(
      message.text,
      [
        `web: images updated at ${COMMIT.slice(0, 12)}`,
        `- apps/web: image updated in ${COMMIT.slice(0, 12)} on main`,
        '  image apps/web/deployment.yaml: reg/web:1.0.0 -> reg/web:1.1.0',
        '  automation apps/bump (https://github.com/acme/deploy.git, branch main)',
        '  https://mooring.example/applications/apps/web',
      ].join('\n'),
    );
    const body = webhookBody(message, NOW.toISOString());
    assert.equal(body.event, 'image-updated');
    assert.equal(body.revision, COMMIT);
    assert.deepEqual(commitStatusesOf(message, undefined), [], 'an image commit is not a deployment');

    const heldMessage = buildMessage({ policy: 'apps/team', events: [held], suppressed: 0 });
    assert.equal(heldMessage.severity, 'warning');
    assert.equal(
      heldMessage.text,
      [
        'web: image update held',
        `- apps/web: image update held, ${REASON}`,
        '  image apps/web/deployment.yaml: reg/web:1.0.0 -> reg/web:1.2.0',
        '  automation apps/bump (https://github.com/acme/deploy.git, branch main)',
        '  held back until mooring unpin',
      ].join('\n'),
    );
  });

  it('a pull request is named instead of the branch', () => {
    const pr = report({
      pushedTo: 'mooring/image-updates/bump',
      pullRequest: { url: 'https://github.com/acme/deploy/pull/7', number: 7 },
    });
    const observation = imageObservations(pr)[0];
    assert.ok(observation !== undefined);
    const [event] = decideImage(undefined, observation, NOW, NOTIFY_EVENTS).events;
    assert.ok(event !== undefined);
    const message = buildMessage({ policy: 'apps/team', events: [event], suppressed: 0 });
    assert.match(message.text, /- apps\/web: image updated in pull request #7\n/);
    assert.match(message.text, /\n {2}pull request: https:\/\/github\.com\/acme\/deploy\/pull\/7/);
  });
});
