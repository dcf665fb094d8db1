import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { DeliveryStatus } from '../../../src/crd/delivery.js';
import { resumeFromStatus } from '../../../src/delivery/resume.js';
import { deliveryStatusOf } from '../../../src/delivery/runner.js';
import type { ActiveRollout } from '../../../src/delivery/runner.js';

const TEMPLATE = { spec: { containers: [{ name: 'main', image: 'web:2' }] } };

const running: ActiveRollout = {
  state: {
    revision: 'b'.repeat(40),
    stableRevision: 'a'.repeat(40),
    step: 2,
    stepStartedAt: Date.parse('2026-01-02T03:04:05.678Z'),
    failedChecks: 1,
    lastCheckAt: Date.parse('2026-01-02T03:04:09.000Z'),
  },
  template: TEMPLATE,
  templateHash: '0123456789abcdef',
  total: 4,
  weight: 75,
  phase: 'progressing',
  message: 'step 3 of 3: 75%',
};

describe('resuming a rollout from status.delivery', () => {
  it('status keeps what a restarted controller needs, and gives it back', () => {
    const status = deliveryStatusOf(running, 'Waiting');
    assert.equal(status.templateHash, '0123456789abcdef');
    assert.equal(status.stableRevision, 'a'.repeat(40));
    const resumed = resumeFromStatus(status, TEMPLATE, 4);
    assert.ok(resumed);
    assert.deepEqual(resumed.state, {
      revision: 'b'.repeat(40),
      stableRevision: 'a'.repeat(40),
      step: 2,
      stepStartedAt: running.state.stepStartedAt,
      failedChecks: 1,
    });
    assert.equal(resumed.weight, 75, 'the weight of the step it was at, not the first');
    assert.equal(resumed.templateHash, '0123456789abcdef');
    assert.equal(resumed.total, 4);
    assert.equal(resumed.phase, 'progressing');
    assert.match(resumed.message, /resumed at step 3 \(75%\)/);
  });

  it('a promotion in progress resumes as a promotion', () => {
    const resumed = resumeFromStatus(deliveryStatusOf(running, 'Promoting'), TEMPLATE, 4);
    assert.equal(resumed?.phase, 'promoting');
  });

  it('an ended rollout, or a status without the rollout fields, resumes nothing', () => {
    for (const phase of ['Succeeded', 'Aborted'] as const)
      assert.equal(resumeFromStatus(deliveryStatusOf(running, phase), TEMPLATE, 4), undefined, phase);
    assert.equal(resumeFromStatus(undefined, TEMPLATE, 4), undefined);
    const older: DeliveryStatus = {
      phase: 'Progressing',
      revision: 'b'.repeat(40),
      step: 1,
      canaryWeight: 50,
    };
    assert.equal(resumeFromStatus(older, TEMPLATE, 4), undefined, 'no template hash: nothing to match');
  });

  it('an unreadable step start restarts the step clock, not the rollout', () => {
    const status = { ...deliveryStatusOf(running, 'Progressing'), stepStartedAt: 'yesterday' };
    const before = Date.now();
    const resumed = resumeFromStatus(status, TEMPLATE, 4);
    assert.ok(resumed);
    assert.equal(resumed.state.step, 2);
    assert.ok(resumed.state.stepStartedAt >= before);
  });
});
