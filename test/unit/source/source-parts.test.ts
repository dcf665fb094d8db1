import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { parseBatchCheckLine, parseCommitInfo } from '../../../src/source/commit-info.js';
import { GitCommandError } from '../../../src/source/git-run.js';
import { mirrorPath, normaliseRepoURL, withMirrorLock } from '../../../src/source/mirror.js';
import type { MirrorRef } from '../../../src/source/mirror.js';
import { parseHeadSymref } from '../../../src/source/remote.js';
import { resolveNamedRef } from '../../../src/source/resolve.js';
import { fetchFailure } from '../../../src/source/source-errors.js';

const sha = (c: string): string => c.repeat(40);

describe('resolveNamedRef', () => {
  const refs: MirrorRef[] = [
    { name: 'refs/heads/main', object: sha('a'), target: sha('a') },
    { name: 'refs/tags/v1.0.0', object: sha('b'), target: sha('c') },
    { name: 'refs/tags/v1.1.0-rc.1', object: sha('d'), target: sha('d') },
  ];
  const url = 'https://host/r.git';

  it('resolves branches, peeled tags and semver ranges', () => {
    assert.deepEqual(resolveNamedRef(refs, { branch: 'main' }, url), {
      target: sha('a'),
      resolvedRef: 'main',
    });
    assert.deepEqual(resolveNamedRef(refs, { tag: 'v1.0.0' }, url), {
      target: sha('c'),
      resolvedRef: 'v1.0.0',
    });
    assert.deepEqual(resolveNamedRef(refs, { semver: '^1' }, url), {
      target: sha('c'),
      resolvedRef: 'v1.0.0',
    });
    assert.deepEqual(resolveNamedRef(refs, { semver: '>=1.1.0-rc.0' }, url), {
      target: sha('d'),
      resolvedRef: 'v1.1.0-rc.1',
    });
  });

  it('says which branches exist when the branch does not', () => {
    assert.throws(
      () => resolveNamedRef(refs, { branch: 'mian' }, url),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'SOURCE_FAILED' &&
        error.message === 'branch "mian" not found in https://host/r.git' &&
        (error.hint ?? '').includes('check the branch name (it has main)'),
    );
  });

  it('fails when no tag satisfies the range', () => {
    assert.throws(
      () => resolveNamedRef(refs, { semver: '^2' }, url),
      (error: unknown) =>
        error instanceof MooringError && error.message.includes('satisfies the semver range "^2"'),
    );
  });
});

describe('fetchFailure', () => {
  const url = 'https://host/r.git';
  const cases: [string, RegExp, RegExp][] = [
    ["fatal: Authentication failed for 'https://host/r.git/'", /authentication failed/, /secretRef/],
    ['fatal: unable to access ...: Could not resolve host: nohost', /does not resolve/, /host name/],
    [
      'fatal: unable to access ...: Failed to connect to 127.0.0.1 port 1: Connection refused',
      /cannot be reached/,
      /host and port/,
    ],
    ["fatal: '/tmp/x.git' does not appear to be a git repository", /does not exist/, /repository URL/],
    ['Host key verification failed.', /host key/, /knownHosts/],
    ['fatal: something new', /cannot fetch https:\/\/host\/r\.git: something new/, /repository URL/],
  ];
  for (const [stderr, message, hint] of cases)
    it(`explains ${JSON.stringify(stderr)}`, () => {
      const error = fetchFailure(new GitCommandError(['fetch'], stderr, 128, false), url, 60_000);
      assert.equal(error.code, 'SOURCE_FAILED');
      assert.equal(error.step, 'source');
      assert.equal(error.subject, url);
      assert.match(error.message, message);
      assert.match(error.hint ?? '', hint);
    });

  it('says how long a timed-out fetch waited', () => {
    const error = fetchFailure(new GitCommandError(['fetch'], '', null, true), url, 5_000);
    assert.equal(error.message, 'fetching https://host/r.git timed out after 5 s');
  });
});

describe('commit and tree parsing', () => {
  it('reads NUL-separated commit fields and keeps the whole message', () => {
    const info = parseCommitInfo(
      `${sha('a')}\0Ada L\0ada@example.com\x002024-01-02T03:04:05+00:00\0subject line\0subject line\n\nbody\n\n`,
    );
    assert.deepEqual(info, {
      sha: sha('a'),
      authorName: 'Ada L',
      authorEmail: 'ada@example.com',
      authorDate: '2024-01-02T03:04:05+00:00',
      subject: 'subject line',
      message: 'subject line\n\nbody',
    });
  });

  it('reads batch-check lines and treats missing objects as absent', () => {
    assert.deepEqual(parseBatchCheckLine(`${sha('a')} tree`), { id: sha('a'), type: 'tree' });
    assert.equal(parseBatchCheckLine(`${sha('a')}:apps/x missing`), undefined);
    assert.equal(parseBatchCheckLine('abc ambiguous'), undefined);
  });

  it('reads the default branch from ls-remote --symref', () => {
    assert.equal(parseHeadSymref(`ref: refs/heads/trunk\tHEAD\n${sha('a')}\tHEAD\n`), 'trunk');
    assert.equal(parseHeadSymref(`${sha('a')}\tHEAD\n`), undefined);
  });
});

describe('mirror naming', () => {
  it('gives one mirror to spellings of the same URL', () => {
    assert.equal(normaliseRepoURL('HTTPS://Git.Example.com/Org/R.git/'), 'https://git.example.com/Org/R.git');
    assert.equal(normaliseRepoURL('git@GitHub.com:o/r.git'), 'git@github.com:o/r.git');
    assert.equal(
      mirrorPath('/c', 'https://git.example.com/o/r.git'),
      mirrorPath('/c', 'https://GIT.example.com/o/r.git/'),
    );
    assert.notEqual(mirrorPath('/c', 'https://host/a.git'), mirrorPath('/c', 'https://host/b.git'));
    assert.match(mirrorPath('/c', 'https://host/a.git'), /^\/c\/mirrors\/[0-9a-f]{64}$/);
  });
});

describe('withMirrorLock', () => {
  it('runs work on one mirror one at a time, in order, even after a failure', async () => {
    const events: string[] = [];
    const step =
      (name: string, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`${name} end`);
        if (fail) throw new Error(name);
      };
    const results = await Promise.allSettled([
      withMirrorLock('/c/mirrors/a', step('one', true)),
      withMirrorLock('/c/mirrors/a', step('two')),
      withMirrorLock('/c/mirrors/a', step('three')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual(events, ['one start', 'one end', 'two start', 'two end', 'three start', 'three end']);
  });

  it('lets different mirrors work at the same time', async () => {
    const events: string[] = [];
    const step = (name: string) => async () => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`${name} end`);
    };
    await Promise.all([withMirrorLock('/c/mirrors/a', step('a')), withMirrorLock('/c/mirrors/b', step('b'))]);
    assert.deepEqual(events.slice(0, 2), ['a start', 'b start']);
  });
});
