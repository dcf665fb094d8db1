import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { applicationStatusCondition, findCondition, setConditions } from '../../../src/crd/application.js';
import type { ApplicationCondition } from '../../../src/crd/application.js';

const earlier = new Date('2026-01-01T00:00:00Z');
const now = new Date('2026-01-01T00:05:00Z');

const readyTrue: ApplicationCondition = {
  type: 'Ready',
  status: 'True',
  reason: 'Synced',
  message: 'applied abc',
  lastTransitionTime: earlier.toISOString(),
  observedGeneration: 1,
};

describe('Application conditions', () => {
  it('keeps lastTransitionTime while the status stays the same, even if reason and message change', () => {
    const next = applicationStatusCondition(
      [readyTrue],
      { type: 'Ready', status: 'True', reason: 'Healthy', message: 'applied def' },
      2,
      now,
    );
    assert.deepEqual(next, {
      type: 'Ready',
      status: 'True',
      reason: 'Healthy',
      message: 'applied def',
      lastTransitionTime: earlier.toISOString(),
      observedGeneration: 2,
    });
  });

  it('moves lastTransitionTime to now when the status changes or the condition is new', () => {
    const failed = applicationStatusCondition(
      [readyTrue],
      { type: 'Ready', status: 'False', reason: 'RenderFailed', message: 'helm template failed' },
      2,
      now,
    );
    assert.equal(failed.lastTransitionTime, now.toISOString());
    const stalled = applicationStatusCondition(
      undefined,
      { type: 'Stalled', status: 'True', reason: 'RenderFailed', message: 'x' },
      2,
      now,
    );
    assert.equal(stalled.lastTransitionTime, now.toISOString());
  });

  it('sets conditions by type, keeps the others, and always lists them in the same order', () => {
    const conditions = setConditions(
      [readyTrue],
      [
        { type: 'Stalled', status: 'False', reason: 'Progressing', message: '' },
        { type: 'Synced', status: 'True', reason: 'Applied', message: '' },
      ],
      3,
      now,
    );
    assert.deepEqual(
      conditions.map((c) => c.type),
      ['Ready', 'Synced', 'Stalled'],
    );
    assert.equal(findCondition(conditions, 'Ready'), readyTrue);
    assert.equal(findCondition(conditions, 'Synced')?.observedGeneration, 3);
    assert.equal(findCondition(conditions, 'Healthy'), undefined);
  });
});
