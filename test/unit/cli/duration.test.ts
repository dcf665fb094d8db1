import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseDuration } from '../../../src/cli/duration.js';
import { credentialsFromEnv } from '../../../src/cli/resolve-source.js';

describe('durations', () => {
  for (const [text, ms] of [
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['30', 30_000],
    ['1.5s', 1_500],
  ] as const) {
    it(`reads ${text}`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }
  it('refuses nonsense with a hint', () => {
    assert.throws(() => parseDuration('5 minutes'), /invalid duration "5 minutes"/);
  });
});

describe('git credentials from the environment', () => {
  it('reads basic credentials, defaulting the user', () => {
    assert.deepEqual(credentialsFromEnv({ MOORING_GIT_PASSWORD: 't0k' }), {
      kind: 'basic',
      username: 'git',
      password: 't0k',
    });
  });
  it('insists on known_hosts for SSH keys', () => {
    assert.throws(
      () => credentialsFromEnv({ MOORING_GIT_SSH_KEY_FILE: '/k' }),
      /MOORING_GIT_KNOWN_HOSTS_FILE/,
    );
  });
  it('is undefined when nothing is set', () => {
    assert.equal(credentialsFromEnv({}), undefined);
  });
});
