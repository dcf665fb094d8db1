import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { pollUntil } from '../../../src/core/wait.js';

describe('pollUntil', () => {
  it('returns the first defined value', async () => {
    let calls = 0;
    const value = await pollUntil(async () => (++calls === 3 ? 'done' : undefined), {
      timeoutMs: 5_000,
      intervalMs: 1,
      what: 'x',
    });
    assert.equal(value, 'done');
    assert.equal(calls, 3);
  });

  it('times out with what was awaited and the last reason', async () => {
    await assert.rejects(
      pollUntil(
        async (note) => {
          note('2/3 ready');
          return undefined;
        },
        { timeoutMs: 20, intervalMs: 5, what: 'the widgets' },
      ),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'TIMEOUT' &&
        error.message.includes('the widgets: 2/3 ready'),
    );
  });
});
