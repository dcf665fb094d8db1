import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { AppNotifyState, NotifyEventName } from '../../../src/crd/notification-policy.js';
import { NOTIFY_EVENTS } from '../../../src/crd/notification-policy.js';
import { decideNotifications } from '../../../src/notify/decide.js';
import type { AppObservation } from '../../../src/notify/observe.js';
import { failed, observation, SHA_A, SHA_B } from './fixtures.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const ALL = { events: NOTIFY_EVENTS, outOfSyncAfterMs: 600_000 };

/** Runs observations in order from `state`, returning the event names per step and the final state. */
function run(
  steps: AppObservation[],
  state?: AppNotifyState,
  policy: { events: readonly NotifyEventName[]; outOfSyncAfterMs: number } = ALL,
): { events: string[][]; state: AppNotifyState | undefined } {
  let current = state;
  const events: string[][] = [];
  steps.forEach((step, i) => {
    const decision = decideNotifications(current, step, new Date(NOW.getTime() + i * 60_000), policy);
    events.push(decision.events.map((e) => e.event));
    current = decision.state;
  });
  return { events, state: current };
}

describe('decideNotifications', () => {
  it('sends a failure once, however many reconciles repeat it', () => {
    const { events } = run([failed(), failed(), failed(), failed({ trigger: 'manual' })]);
    assert.deepEqual(events, [['sync-failed'], [], [], []]);
  });

  it('sends recovered (not sync-succeeded) when a failing app syncs again', () => {
    const { events, state } = run([failed(), observation({ revision: SHA_B })]);
    assert.deepEqual(events, [['sync-failed'], ['recovered']]);
    assert.deepEqual(
      { sync: state?.sync, revision: state?.revision },
      { sync: 'Succeeded', revision: SHA_B },
    );
  });

  it('sends a failure again for a new commit that fails too', () => {
    const { events } = run([failed(), failed({ revision: SHA_B })]);
    assert.deepEqual(events, [['sync-failed'], ['sync-failed']]);
  });

  it('sends sync-succeeded once per commit, and nothing for a poll that synced nothing', () => {
    const quiet = observation({ sync: { result: 'Succeeded', message: '', recorded: false } });
    const { events } = run([observation(), quiet, observation(), observation({ revision: SHA_B })]);
    assert.deepEqual(events, [['sync-succeeded'], [], [], ['sync-succeeded']]);
  });

  it('sends nothing when the state read after a restart already says so', () => {
    const first = run([failed()]);
    // The state is what the policy status keeps: a new controller starts from it.
    const restarted = run([failed(), failed()], JSON.parse(JSON.stringify(first.state)) as AppNotifyState);
    assert.deepEqual(restarted.events, [[], []]);
  });

  it('sends health-degraded once, ignores Progressing, and recovered when Healthy again', () => {
    const healthOnly = (status: string): AppObservation => {
      const o = observation({ health: { status, message: 'Deployment/apps/web: 0/3 ready' } });
      delete o.sync;
      return o;
    };
    const { events } = run([
      healthOnly('Healthy'),
      healthOnly('Degraded'),
      healthOnly('Progressing'),
      healthOnly('Degraded'),
      healthOnly('Healthy'),
      healthOnly('Healthy'),
    ]);
    assert.deepEqual(events, [[], ['health-degraded'], [], [], ['recovered'], []]);
  });

  it('says what recovered: the sync and the health together are one event', () => {
    const decision = decideNotifications(
      { app: 'apps/web', sync: 'Failed', revision: SHA_A, health: 'Degraded' },
      observation({ revision: SHA_B }),
      NOW,
      ALL,
    );
    assert.deepEqual(
      decision.events.map((e) => [e.event, e.recoveredFrom]),
      [['recovered', ['sync', 'health']]],
    );
  });

  it('reports a recovered sync as sync-succeeded to a policy that only asks for that', () => {
    const { events } = run([failed(), observation({ revision: SHA_B })], undefined, {
      events: ['sync-succeeded'],
      outOfSyncAfterMs: 1,
    });
    assert.deepEqual(events, [[], ['sync-succeeded']]);
  });

  it('keeps the state even for events the policy does not send', () => {
    const { events, state } = run([failed()], undefined, { events: ['recovered'], outOfSyncAfterMs: 1 });
    assert.deepEqual(events, [[]]);
    assert.equal(state?.sync, 'Failed');
    assert.deepEqual(
      run([observation({ revision: SHA_B })], state, { events: ['recovered'], outOfSyncAfterMs: 1 }).events,
      [['recovered']],
    );
  });

  it('sends out-of-sync once the app has been OutOfSync for the policy time, once per stretch', () => {
    const policy = { events: ['out-of-sync'] as NotifyEventName[], outOfSyncAfterMs: 150_000 };
    const out = observation({ outOfSync: true });
    delete out.sync;
    const back = observation({ outOfSync: false });
    delete back.sync;
    // One step is one minute: OutOfSync at 0, 1, 2 (not yet 150 s), 3 (yes), 4 (already sent), back, out again.
    const { events } = run([out, out, out, out, out, back, out], undefined, policy);
    assert.deepEqual(events, [[], [], [], ['out-of-sync'], [], [], []]);
  });

  it('sends a drift once per distinct drift, and drift-corrected when it is undone', () => {
    const drift = {
      subject: 'Deployment/apps/web',
      fields: [{ path: 'spec.replicas', changedBy: ['kubectl-edit'] }],
    };
    const detected = observation({
      kind: 'heal',
      trigger: 'drift',
      drift: { detected: [drift], corrected: [] },
    });
    delete detected.sync;
    const corrected = observation({
      kind: 'heal',
      trigger: 'drift',
      drift: { detected: [], corrected: [drift] },
    });
    delete corrected.sync;
    const other = observation({
      kind: 'heal',
      trigger: 'drift',
      drift: {
        detected: [{ ...drift, fields: [{ path: 'spec.template.spec.containers[0].image', changedBy: [] }] }],
        corrected: [],
      },
    });
    delete other.sync;
    const { events } = run([detected, detected, other, corrected, corrected]);
    assert.deepEqual(events, [['drift-detected'], [], ['drift-detected'], ['drift-corrected'], []]);
  });

  it('sends rollback for a sync a rollback started', () => {
    const { events } = run([observation(), observation({ trigger: 'rollback', revision: SHA_B })]);
    assert.deepEqual(events, [['sync-succeeded'], ['rollback']]);
  });

  it('handles a report kind it does not know from the status it carries', () => {
    const unknown = observation({ kind: 'refusal', health: { status: 'Degraded' } });
    delete unknown.sync;
    assert.deepEqual(run([unknown]).events, [['health-degraded']]);
  });
});
