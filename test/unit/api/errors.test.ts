import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { errorReply } from '../../../src/api/errors.js';
import { MooringError } from '../../../src/core/errors.js';
import { KubeApiError } from '../../../src/kube/errors.js';

const kube = (status: number, message = 'no'): KubeApiError =>
  new KubeApiError(
    status,
    { message, reason: 'R' },
    { method: 'GET', path: '/x', subject: 'Application/a/b' },
  );

describe('the error mapper', () => {
  it('maps MooringError codes to statuses, with {code, message, hint}', () => {
    const cases: [MooringError, number][] = [
      [new MooringError('UNAUTHENTICATED', 'no token'), 401],
      [new MooringError('FORBIDDEN', 'no'), 403],
      [new MooringError('NOT_FOUND', 'gone'), 404],
      [new MooringError('INVALID_ARGUMENT', 'bad'), 400],
      [new MooringError('UNSAFE_INPUT', 'bad'), 400],
      [new MooringError('TIMEOUT', 'slow'), 504],
    ];
    for (const [error, status] of cases) {
      const reply = errorReply(error);
      assert.equal(reply.status, status, error.code);
      assert.equal(reply.body.code, error.code);
      assert.equal(reply.body.message, error.message);
      assert.ok(reply.body.hint.length > 0, `${error.code} has a hint`);
    }
    assert.equal(errorReply(new MooringError('INVALID_ARGUMENT', 'bad', { hint: 'mine' })).body.hint, 'mine');
  });

  it('maps Kubernetes API errors met by the server', () => {
    assert.equal(errorReply(kube(404)).status, 404);
    assert.equal(errorReply(kube(409)).status, 409);
    assert.equal(errorReply(kube(422)).status, 400);
    const forbidden = errorReply(kube(403));
    assert.equal(forbidden.status, 502, "the server's own identity refused is not the caller's 403");
    assert.match(forbidden.body.hint, /controller's ServiceAccount/);
    for (const status of [0, 429, 500, 503])
      assert.equal(errorReply(kube(status)).status, 503, String(status));
  });

  it('hides what an unexpected error says, and keeps Fastify refusals as 4xx', () => {
    const reply = errorReply(new Error('secret path /etc/x token=abc'));
    assert.equal(reply.status, 500);
    assert.equal(reply.internal, true);
    assert.doesNotMatch(JSON.stringify(reply.body), /secret|token/);
    assert.equal(
      errorReply(Object.assign(new Error('too big'), { statusCode: 413 })).body.code,
      'PAYLOAD_TOO_LARGE',
    );
    assert.equal(errorReply(Object.assign(new Error('bad json'), { statusCode: 400 })).status, 400);
  });
});
