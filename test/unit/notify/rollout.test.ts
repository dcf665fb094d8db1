import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import type { AppMemory } from '../../../src/controller/reconciler.js';
import type { RolloutEvent, RolloutReport } from '../../../src/controller/report.js';
import { rolloutReport } from '../../../src/controller/report.js';
import type { AppNotifyState } from '../../../src/crd/notification-policy.js';
import { NOTIFY_EVENTS } from '../../../src/crd/notification-policy.js';
import type { ActiveRollout } from '../../../src/delivery/runner.js';
import { deliveryStatusOf } from '../../../src/delivery/runner.js';
import { decideNotifications } from '../../../src/notify/decide.js';
import { buildMessage } from '../../../src/notify/message.js';
import { observe } from '../../../src/notify/observe.js';
import { commitStatusesOf } from '../../../src/notify/sinks/commit-status.js';

const NEW = '1'.repeat(40);
const OLD = '2'.repeat(40);
const REVERT = '3'.repeat(40);
const NOW = new Date('2026-12-01T00:00:00Z');
const ALL = { events: NOTIFY_EVENTS, outOfSyncAfterMs: 600_000 };

const app: Application = parseApplication({
  apiVersion: 'mooring.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    source: { repoURL: 'https://github.com/acme/deploy.git', ref: { branch: 'main' }, path: 'web' },
    destination: { namespace: 'web' },
    delivery: {
      target: 'web',
      canary: { steps: [{ weight: 20, pause: '10s' }, { weight: 50 }] },
      analysis: { prometheus: { address: 'http://prom:9090' } },
    },
  },
  status: { health: { status: 'Healthy' }, sync: { status: 'Synced', revision: NEW } },
});
const memory = (): AppMemory => ({ planned: new Map(), outOfSync: new Map(), failures: 0, commit: NEW });
const rollout: ActiveRollout = {
  state: { revision: NEW, stableRevision: OLD, step: 1, stepStartedAt: 0, failedChecks: 1 },
  template: {},
  templateHash: 'abc',
  total: 5,
  weight: 50,
  phase: 'progressing',
  message: 'step 2 of 2: 50% on 111111111111',
};
/** A rollout turn's report as the coordinator publishes it (status.delivery of `of`). */
function turn(event: RolloutEvent, of: ActiveRollout = rollout): RolloutReport {
  const phase = event === 'promoted' ? 'Succeeded' : event === 'started' ? 'Progressing' : 'Waiting';
  return { event, delivery: deliveryStatusOf(of, phase) };
}
const abort: NonNullable<RolloutReport['abort']> = {
  reason: 'analysis failed',
  failedMetrics: [{ name: 'success-rate', result: 'Failed', value: 0.8712, message: 'below 0.99' }],
  backOnStableMs: 40,
  revert: { kind: 'rollback', how: 'pushed', target: OLD, commit: REVERT },
};
const aborted: RolloutReport = {
  event: 'aborted',
  delivery: deliveryStatusOf(
    rollout,
    'Aborted',
    'canary of 111111111111 aborted at step 2 (50%): analysis failed',
  ),
  abort,
};
const report = (r: RolloutReport) => rolloutReport({ app, memory: memory(), trigger: 'poll', rollout: r });

function decideAll(
  events: RolloutReport[],
  start?: AppNotifyState,
): { sent: string[][]; state: AppNotifyState } {
  let state = start;
  const sent: string[][] = [];
  for (const r of events) {
    const decision = decideNotifications(state, observe(report(r)), NOW, ALL);
    sent.push(decision.events.map((e) => e.event));
    state = decision.state;
  }
  if (state === undefined) throw new Error('no state');
  return { sent, state };
}

describe('rollout notifications', () => {
  it('a rollout event names the revision, the step reached of all steps, and the weight', () => {
    const started = turn('started', { ...rollout, state: { ...rollout.state, step: 0 }, weight: 20 });
    const seen = observe(report(started)).rollout;
    assert.ok(seen !== undefined);
    assert.deepEqual(
      [seen.event, seen.revision, seen.stableRevision, seen.step, seen.steps, seen.weight],
      ['started', NEW, OLD, 1, 2, 20],
    );
    const published = report(started);
    assert.deepEqual(
      [published.kind, published.status.fields, published.events],
      ['rollout', { delivery: started.delivery }, []],
    );
  });

  it('sends started, promoted and aborted once per revision (a restarted rollout is not started twice)', () => {
    const started = turn('started');
    const promoted = turn('promoted');
    const { sent, state } = decideAll([started, started, turn('step'), turn('resumed'), promoted]);
    assert.deepEqual(sent, [['rollout-started'], [], [], [], ['rollout-promoted']]);
    assert.equal(state.rollout, `promoted:${NEW}`);
    // The next revision's rollout, aborted: both told.
    const next = { ...rollout, state: { ...rollout.state, revision: OLD } };
    const again = decideAll(
      [turn('started', next), { ...aborted, delivery: { ...aborted.delivery, revision: OLD } }],
      JSON.parse(JSON.stringify(state)) as AppNotifyState,
    );
    assert.deepEqual(again.sent, [['rollout-started'], ['rollout-aborted']]);
  });

  it('the abort message names the failing metric and value and the revert commit', () => {
    const [event] = decideNotifications(undefined, observe(report(aborted)), NOW, ALL).events;
    assert.ok(event !== undefined);
    const message = buildMessage({ policy: 'apps/team', events: [event], suppressed: 0 });
    assert.equal(message.severity, 'failure');
    assert.equal(
      message.text,
      [
        'web: rollout aborted at 111111111111',
        '- apps/web: canary of 111111111111 aborted at step 2 of 2 (50%)',
        '  stable: 222222222222',
        '  failed metric success-rate: 0.87 (below 0.99)',
        '  reverted in Git: 333333333333 back to 222222222222',
        '  health: Healthy',
      ].join('\n'),
    );
    assert.deepEqual(
      commitStatusesOf(message, 'acme/deploy').map((s) => [s.sha, s.verdict]),
      [[NEW, 'failure']],
    );
  });

  it('an abort without metrics says why; a pin and a failed revert are said as such', () => {
    const pinned: RolloutReport = {
      ...aborted,
      abort: {
        ...abort,
        reason: 'Git no longer asks for the canary',
        failedMetrics: [],
        revert: { kind: 'rollback', how: 'pinned', target: OLD, reason: 'push refused' },
      },
    };
    const [event] = decideNotifications(undefined, observe(report(pinned)), NOW, ALL).events;
    assert.ok(event !== undefined);
    const text = buildMessage({ policy: 'apps/team', events: [event], suppressed: 0 }).text;
    assert.match(text, /\n {2}reason: Git no longer asks for the canary\n/);
    assert.match(text, /\n {2}pinned to 222222222222 \(revert not pushed: push refused\)\n/);
    const failed: RolloutReport = {
      ...aborted,
      abort: {
        ...abort,
        revert: { kind: 'rollback', how: 'failed', reason: 'no earlier successful revision' },
      },
    };
    const [failedEvent] = decideNotifications(undefined, observe(report(failed)), NOW, ALL).events;
    assert.ok(failedEvent !== undefined);
    assert.match(
      buildMessage({ policy: 'p', events: [failedEvent], suppressed: 0 }).text,
      /revert failed: no earlier successful revision/,
    );
  });

  it('a rollout cancelled because Git went back to the stable template is told as aborted, saying so', () => {
    const cancelled: RolloutReport = {
      event: 'cancelled',
      delivery: deliveryStatusOf(rollout, 'Aborted', 'Git no longer asks for the canary'),
    };
    const [event] = decideNotifications(undefined, observe(report(cancelled)), NOW, ALL).events;
    assert.equal(event?.event, 'rollout-aborted');
    const text = buildMessage({ policy: 'p', events: [event], suppressed: 0 }).text;
    assert.match(text, /\n {2}reason: Git no longer asks for the canary\n/);
    assert.doesNotMatch(text, /revert/);
  });

  it('started is pending and promoted success on the commit status', () => {
    for (const [name, verdict] of [
      ['started', 'pending'],
      ['promoted', 'success'],
    ] as const) {
      const [event] = decideNotifications(undefined, observe(report(turn(name))), NOW, ALL).events;
      assert.ok(event !== undefined);
      const message = buildMessage({ policy: 'p', events: [event], suppressed: 0 });
      assert.deepEqual(
        commitStatusesOf(message, 'acme/deploy').map((s) => s.verdict),
        [verdict],
      );
    }
  });
});
