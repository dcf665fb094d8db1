import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isTerminal, isWaiting, retryClassOfFailure, waitingDelayMs } from '../../../src/app/retry.js';
import { MooringError, retryClassOf } from '../../../src/core/errors.js';
import { apiRetryClass, KubeApiError } from '../../../src/kube/errors.js';

const apiError = (httpStatus: number, message: string, reason?: string): KubeApiError =>
  new KubeApiError(
    httpStatus,
    { message, ...(reason === undefined ? {} : { reason }) },
    {
      method: 'PATCH',
      path: '/api/v1/namespaces/x/configmaps/y',
    },
  );

describe('retry classes', () => {
  it('classifies API errors where they are understood', () => {
    const webhookDown =
      'Internal error occurred: failed calling webhook "v.example.com": failed to call webhook: Post "https://127.0.0.1:1/validate?timeout=2s": dial tcp 127.0.0.1:1: connect: connection refused';
    assert.equal(apiRetryClass(500, webhookDown), 'transient');
    assert.equal(apiRetryClass(503, 'service unavailable'), 'transient');
    assert.equal(apiRetryClass(0, 'connect ECONNREFUSED'), 'transient');
    assert.equal(apiRetryClass(429, 'too many requests'), 'transient');
    assert.equal(apiRetryClass(409, 'Apply failed with 1 conflict'), 'transient');
    assert.equal(apiRetryClass(408, 'request timeout'), 'transient');
    assert.equal(apiRetryClass(404, 'namespaces "later" not found'), 'waiting');
    assert.equal(apiRetryClass(404, 'configmaps "x" not found'), 'terminal');
    assert.equal(apiRetryClass(422, 'ConfigMap "Bad_Name" is invalid'), 'terminal');
    assert.equal(apiRetryClass(403, 'forbidden'), 'terminal');
    // A webhook that answers and denies is a rejection, not a webhook that is down.
    assert.equal(apiRetryClass(400, 'admission webhook "v.example.com" denied the request: no'), 'terminal');
  });

  it('KubeApiError carries its class and isTransient agrees with it', () => {
    const down = apiError(500, 'failed calling webhook "w": connection refused', 'InternalError');
    assert.equal(down.retry, 'transient');
    assert.equal(down.isTransient, true);
    assert.equal(retryClassOf(down), 'transient');
    const invalid = apiError(422, 'is invalid', 'Invalid');
    assert.equal(invalid.retry, 'terminal');
    assert.equal(invalid.isTransient, false);
  });

  it('MooringError defaults its class by code and keeps an explicit one', () => {
    assert.equal(new MooringError('INVALID_MANIFEST', 'bad yaml').retry, 'terminal');
    assert.equal(new MooringError('RENDER_FAILED', 'helm failed').retry, 'terminal');
    assert.equal(new MooringError('SOURCE_FAILED', 'git host unreachable').retry, 'transient');
    assert.equal(new MooringError('TIMEOUT', 'slow').retry, 'transient');
    assert.equal(new MooringError('PLAN_REFUSED', 'x', { retry: 'waiting' }).retry, 'waiting');
    assert.equal(retryClassOf(new Error('unknown')), 'transient');
  });

  it('a failure uses its own class, else its step; only terminal stalls', () => {
    assert.equal(retryClassOfFailure({ step: 'validate', message: 'x', retry: 'transient' }), 'transient');
    assert.equal(retryClassOfFailure({ step: 'validate', message: 'x' }), 'terminal');
    assert.equal(retryClassOfFailure({ step: 'apply', message: 'x' }), 'transient');
    assert.equal(retryClassOfFailure({ step: 'wait', message: 'x' }), 'waiting');
    assert.equal(isTerminal({ step: 'plan', message: 'x', retry: 'waiting' }), false);
    assert.equal(isWaiting({ step: 'plan', message: 'x', retry: 'waiting' }), true);
    assert.equal(isTerminal({ step: 'apply', message: 'x', retry: 'terminal' }), true);
    assert.equal(isTerminal(undefined), false);
  });

  it('waits with a growing delay, capped by 30 s and the poll interval, forever', () => {
    assert.equal(waitingDelayMs(1, 180_000), 2_000);
    assert.equal(waitingDelayMs(2, 180_000), 4_000);
    assert.equal(waitingDelayMs(10, 180_000), 30_000);
    assert.equal(waitingDelayMs(1_000, 180_000), 30_000);
    assert.equal(waitingDelayMs(10, 5_000), 5_000);
  });
});
