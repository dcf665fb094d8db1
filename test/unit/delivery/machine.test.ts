import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deliverySchema } from '../../../src/crd/delivery.js';
import type { CheckVerdict } from '../../../src/delivery/analysis.js';
import { decideRollout, splitReplicas } from '../../../src/delivery/machine.js';
import type { Observation, RolloutState } from '../../../src/delivery/machine.js';

const SPEC = deliverySchema.parse({
  target: 'web',
  canary: {
    steps: [{ weight: 20, pause: '10s' }, { weight: 50 }],
  },
  analysis: { interval: '5s', failureLimit: 1, prometheus: { address: 'http://prom:9090' } },
});

const T0 = 1_000_000;
const start: RolloutState = {
  revision: 'b'.repeat(40),
  stableRevision: 'a'.repeat(40),
  step: 0,
  stepStartedAt: T0,
  failedChecks: 0,
};
const ready: Observation = { canary: { kind: 'ready' } };
const pass: CheckVerdict = {
  kind: 'pass',
  metrics: [{ name: 'ok', value: 100, result: 'Passed' }],
  message: 'analysis passed',
};
const fail: CheckVerdict = {
  kind: 'fail',
  metrics: [{ name: 'ok', value: 50, result: 'Failed', message: '50 < min 99' }],
  message: 'analysis failed: ok 50 < min 99',
};
const low: CheckVerdict = { kind: 'wait', metrics: [], message: 'waiting for traffic' };

describe('canary step machine', () => {
  it('waits out the pause of a step, then asks for a check', () => {
    const during = decideRollout(SPEC, start, ready, T0 + 4000);
    assert.deepEqual(during.action, { kind: 'wait', delayMs: 6000, message: 'step 1 paused' });
    assert.equal(decideRollout(SPEC, start, ready, T0 + 10_000).action.kind, 'need-check');
  });

  it('goes through every step and then promotes', () => {
    const s1 = decideRollout(SPEC, start, { ...ready, check: pass }, T0 + 10_000);
    assert.deepEqual(s1.action, {
      kind: 'set-step',
      step: 1,
      weight: 50,
      message: 'analysis passed; step 2 of 2: 50%',
    });
    assert.equal(s1.state.stepStartedAt, T0 + 10_000);
    // Step 2 has no pause, but its first check judges one whole interval of traffic at 50%.
    assert.deepEqual(decideRollout(SPEC, s1.state, ready, T0 + 12_000).action, {
      kind: 'wait',
      delayMs: 3000,
      message: 'next check of step 2 in 3s',
    });
    assert.equal(decideRollout(SPEC, s1.state, ready, T0 + 15_000).action.kind, 'need-check');
    const end = decideRollout(SPEC, s1.state, { ...ready, check: pass }, T0 + 15_000);
    assert.equal(end.action.kind, 'promote');
  });

  it('tolerates failureLimit failed checks, spaced by the interval, and aborts on the next', () => {
    const paused = { ...start, stepStartedAt: T0 - 10_000 };
    const first = decideRollout(SPEC, paused, { ...ready, check: fail }, T0);
    assert.equal(first.action.kind, 'wait');
    assert.equal(first.state.failedChecks, 1);
    // Not checked again before the interval is over.
    assert.deepEqual(decideRollout(SPEC, first.state, ready, T0 + 1000).action.kind, 'wait');
    const second = decideRollout(SPEC, first.state, { ...ready, check: fail }, T0 + 5000);
    assert.deepEqual(second.action, { kind: 'abort', message: fail.message, metrics: fail.metrics });
  });

  it('never fails on low traffic: it waits, however long', () => {
    let state = { ...start, stepStartedAt: T0 - 10_000 };
    for (let i = 0; i < 50; i += 1) {
      const d = decideRollout(SPEC, state, { ...ready, check: low }, T0 + i * 5000);
      assert.equal(d.action.kind, 'wait');
      assert.equal(d.state.failedChecks, 0);
      state = d.state;
    }
  });

  it('aborts at once when the canary fails, and waits while it starts', () => {
    const failed = decideRollout(
      SPEC,
      start,
      { canary: { kind: 'failed', message: 'Pod web-canary-x: ImagePullBackOff' } },
      T0,
    );
    assert.deepEqual(failed.action, {
      kind: 'abort',
      message: 'canary failed: Pod web-canary-x: ImagePullBackOff',
      metrics: [],
    });
    assert.equal(
      decideRollout(SPEC, start, { canary: { kind: 'progressing', message: '0/1 ready' } }, T0 + 60_000)
        .action.kind,
      'wait',
    );
  });

  it('holds a step on its webhook gate and promotion on confirm-promotion', () => {
    const paused = { ...start, stepStartedAt: T0 - 10_000 };
    const held = decideRollout(
      SPEC,
      paused,
      { ...ready, check: pass, stepGate: { passed: false, message: 'gate load-test answered 503' } },
      T0,
    );
    assert.deepEqual(held.action, { kind: 'wait', delayMs: 5000, message: 'gate load-test answered 503' });
    const last = { ...paused, step: 1 };
    const confirm = decideRollout(
      SPEC,
      last,
      { ...ready, check: pass, confirmGate: { passed: false, message: 'gate approve answered 403' } },
      T0,
    );
    assert.deepEqual(confirm.action, {
      kind: 'wait',
      delayMs: 5000,
      message: 'promotion held: gate approve answered 403',
    });
    const go = decideRollout(
      SPEC,
      last,
      { ...ready, check: pass, confirmGate: { passed: true, message: 'ok' } },
      T0,
    );
    assert.equal(go.action.kind, 'promote');
  });

  it('obeys mooring promote and mooring abort', () => {
    assert.equal(decideRollout(SPEC, start, { ...ready, manual: 'promote' }, T0).action.kind, 'promote');
    assert.equal(
      decideRollout(SPEC, start, { canary: { kind: 'progressing', message: '' }, manual: 'abort' }, T0).action
        .kind,
      'abort',
    );
  });
});

describe('replica split', () => {
  it('gives the canary its share, at least one pod, and keeps one stable pod below 100%', () => {
    assert.deepEqual(splitReplicas(10, 20), { stable: 8, canary: 2 });
    assert.deepEqual(splitReplicas(4, 50), { stable: 2, canary: 2 });
    assert.deepEqual(splitReplicas(4, 1), { stable: 3, canary: 1 });
    assert.deepEqual(splitReplicas(4, 99), { stable: 1, canary: 3 });
    assert.deepEqual(splitReplicas(1, 20), { stable: 1, canary: 1 });
    assert.deepEqual(splitReplicas(3, 0), { stable: 3, canary: 0 });
  });
});
