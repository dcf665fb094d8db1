import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { decodePayload, detectProvider } from '../../../src/controller/webhook/providers.js';
import {
  constantTimeEqual,
  hmacSha256Hex,
  signBody,
  verifyHexSignature,
  verifyPrefixedSignature,
  verifyToken,
} from '../../../src/controller/webhook/signature.js';

describe('signatures', () => {
  it('computes HMAC-SHA256 as in RFC 4231 test case 2', () => {
    assert.equal(
      hmacSha256Hex('Jefe', 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    assert.equal(signBody('Jefe', 'what do ya want for nothing?').slice(0, 14), 'sha256=5bdcc14');
  });

  it('accepts the right prefixed signature, in either hex case, and refuses the rest', () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    const good = signBody('s3cret', body);
    assert.equal(verifyPrefixedSignature('s3cret', body, good), true);
    assert.equal(
      verifyPrefixedSignature('s3cret', body, good.toUpperCase().replace('SHA256=', 'sha256=')),
      true,
    );
    assert.equal(verifyPrefixedSignature('other', body, good), false);
    assert.equal(verifyPrefixedSignature('s3cret', Buffer.from('{"ref":"refs/heads/evil"}'), good), false);
    assert.equal(verifyPrefixedSignature('s3cret', body, good.slice('sha256='.length)), false);
    assert.equal(verifyPrefixedSignature('s3cret', body, undefined), false);
  });

  it('checks bare hex signatures and tokens', () => {
    const body = Buffer.from('x');
    assert.equal(verifyHexSignature('k', body, hmacSha256Hex('k', body)), true);
    assert.equal(verifyHexSignature('k', body, signBody('k', body)), false);
    assert.equal(verifyToken('t0ken', 't0ken'), true);
    assert.equal(verifyToken('t0ken', 't0ken '), false);
    assert.equal(verifyToken('t0ken', undefined), false);
  });

  it('compares strings of different lengths without throwing', () => {
    assert.equal(constantTimeEqual('a', 'ab'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });
});

describe('detectProvider', () => {
  const cases: [Record<string, string>, string | undefined][] = [
    [{ 'x-github-event': 'push' }, 'github'],
    // Gitea and Forgejo send GitHub's event header as well as their own.
    [{ 'x-github-event': 'push', 'x-gitea-event': 'push' }, 'gitea'],
    [{ 'x-github-event': 'push', 'x-forgejo-event': 'push', 'x-gitea-event': 'push' }, 'gitea'],
    [{ 'x-gitlab-event': 'Push Hook' }, 'gitlab'],
    [{ 'x-event-key': 'repo:push' }, 'bitbucket'],
    [{ 'x-mooring-signature': 'sha256=00' }, 'generic'],
    [{ 'content-type': 'application/json' }, undefined],
  ];
  for (const [headers, expected] of cases)
    it(`recognises ${expected ?? 'no provider'} from ${Object.keys(headers).join(', ')}`, () => {
      assert.equal(detectProvider(headers)?.provider, expected);
    });
});

describe('decodePayload', () => {
  it('reads JSON bodies and form bodies with a payload field', () => {
    assert.deepEqual(decodePayload('github', 'application/json', Buffer.from('{"a":1}')), { a: 1 });
    const form = Buffer.from(new URLSearchParams({ payload: '{"a":2}' }).toString());
    assert.deepEqual(decodePayload('github', 'application/x-www-form-urlencoded', form), { a: 2 });
  });

  const refused: [string, string, string, RegExp][] = [
    ['an empty body', 'application/json', '', /empty/],
    ['broken JSON', 'application/json', '{"a":', /not valid JSON/],
    ['a form without payload', 'application/x-www-form-urlencoded', 'a=1', /no "payload" field/],
  ];
  for (const [what, contentType, body, message] of refused)
    it(`refuses ${what}`, () => {
      assert.throws(
        () => decodePayload('github', contentType, Buffer.from(body)),
        (error: unknown) => error instanceof MooringError && message.test(error.message),
      );
    });
});
