import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { classifyRef, parseSourceArgument } from '../../../src/source/source-argument.js';
import type { RefSpec, SourceArgument } from '../../../src/source/types.js';

describe('parseSourceArgument', () => {
  const cases: [string, SourceArgument][] = [
    [
      'https://git.example.com/org/config.git@v1.2.0//apps/web',
      { repoURL: 'https://git.example.com/org/config.git', ref: 'v1.2.0', path: 'apps/web' },
    ],
    [
      'https://git.example.com/org/config.git',
      { repoURL: 'https://git.example.com/org/config.git', path: '' },
    ],
    ['file:///tmp/r.git//apps', { repoURL: 'file:///tmp/r.git', path: 'apps' }],
    ['file:///tmp/r.git@main', { repoURL: 'file:///tmp/r.git', ref: 'main', path: '' }],
    ['git@github.com:o/r.git@main', { repoURL: 'git@github.com:o/r.git', ref: 'main', path: '' }],
    ['git@github.com:o/r.git', { repoURL: 'git@github.com:o/r.git', path: '' }],
    ['git@github.com:o/r.git//apps/x/', { repoURL: 'git@github.com:o/r.git', path: 'apps/x' }],
    [
      'https://user@git.example.com/o/r.git@release/1.x//./apps',
      { repoURL: 'https://user@git.example.com/o/r.git', ref: 'release/1.x', path: 'apps' },
    ],
    [
      'ssh://git@host:2222/o/r.git@>=1.0.0 <2//deploy',
      { repoURL: 'ssh://git@host:2222/o/r.git', ref: '>=1.0.0 <2', path: 'deploy' },
    ],
    ['https://host/r.git@tag:v1//', { repoURL: 'https://host/r.git', ref: 'tag:v1', path: '' }],
  ];
  for (const [arg, expected] of cases)
    it(`reads ${arg}`, () => {
      assert.deepEqual(parseSourceArgument(arg), expected);
    });

  it('refuses an empty ref after "@"', () => {
    assert.throws(
      () => parseSourceArgument('https://host/r.git@//apps'),
      (error: unknown) => error instanceof MooringError && error.code === 'INVALID_ARGUMENT',
    );
  });

  it('refuses an unsafe URL or path', () => {
    for (const arg of ['ext::sh -c x', '--upload-pack=x', 'https://host/r.git//../etc', 'fd::3@main'])
      assert.throws(
        () => parseSourceArgument(arg),
        (error: unknown) => error instanceof MooringError && error.code === 'UNSAFE_INPUT',
        arg,
      );
  });
});

describe('classifyRef', () => {
  const cases: [string, RefSpec][] = [
    ['main', { branch: 'main' }],
    ['release/1.x', { branch: 'release/1.x' }],
    ['fix-x-bug', { branch: 'fix-x-bug' }],
    ['v1.2.3', { tag: 'v1.2.3' }],
    ['1.4', { tag: '1.4' }],
    ['v2.0.0-rc.1', { tag: 'v2.0.0-rc.1' }],
    ['abcdef1', { commit: 'abcdef1' }],
    ['ABCDEF0123456789abcdef0123456789abcdef01', { commit: 'abcdef0123456789abcdef0123456789abcdef01' }],
    ['^1.2.0', { semver: '^1.2.0' }],
    ['~1.4', { semver: '~1.4' }],
    ['>=1.0.0 <2', { semver: '>=1.0.0 <2' }],
    ['*', { semver: '*' }],
    ['1.x', { semver: '1.x' }],
    ['1.2.X', { semver: '1.2.X' }],
    ['^1 || ^2', { semver: '^1 || ^2' }],
    ['branch:deadbeef', { branch: 'deadbeef' }],
    ['tag:release-2024', { tag: 'release-2024' }],
    ['semver:1.2.3', { semver: '1.2.3' }],
    ['commit:abcdef1', { commit: 'abcdef1' }],
  ];
  for (const [ref, expected] of cases)
    it(`classifies ${JSON.stringify(ref)}`, () => {
      assert.deepEqual(classifyRef(ref), expected);
    });

  for (const ref of ['-x', 'a..b', 'x@{1}', 'commit:xyz', 'semver:>=>=', 'tag:-v1'])
    it(`refuses ${JSON.stringify(ref)}`, () => {
      assert.throws(
        () => classifyRef(ref),
        (error: unknown) =>
          error instanceof MooringError &&
          (error.code === 'UNSAFE_INPUT' || error.code === 'INVALID_ARGUMENT'),
      );
    });
});
