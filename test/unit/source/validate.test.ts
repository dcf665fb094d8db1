import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import {
  displayURL,
  normaliseSourcePath,
  validateCommitId,
  validateRefName,
  validateRefSpec,
  validateRepoURL,
} from '../../../src/source/validate.js';

function isUnsafe(error: unknown): boolean {
  return error instanceof MooringError && error.code === 'UNSAFE_INPUT' && error.step === 'source';
}

describe('validateRepoURL', () => {
  const accepted = [
    'https://git.example.com/org/config.git',
    'http://127.0.0.1:8080/config.git',
    'https://user@git.example.com/org/config.git',
    'ssh://git@git.example.com:2222/org/config.git',
    'git@github.com:org/config.git',
    'github.com:org/config.git',
    'file:///tmp/repos/config.git',
  ];
  for (const url of accepted)
    it(`accepts ${url}`, () => {
      assert.doesNotThrow(() => {
        validateRepoURL(url);
      });
    });

  const refused: [string, RegExp][] = [
    ['ext::sh -c x', /whitespace|transport helpers/],
    ['ext::sh', /transport helpers/],
    ['fd::17', /transport helpers/],
    ['foo::https://example.com/r.git', /transport helpers/],
    ['--upload-pack=x', /starts with "-"/],
    ['-oProxyCommand=x', /starts with "-"/],
    ['git://example.com/r.git', /"git:\/\/" transport is not allowed/],
    ['ftp://example.com/r.git', /not allowed/],
    ['https://example.com/r .git', /whitespace/],
    ['https://example.com/r\n.git', /whitespace or control/],
    ['https://example.com/r\u0000.git', /control/],
    ['ssh://-oProxyCommand=x/r.git', /starts with "-"/],
    ['ssh://-user@host/r.git', /starts with "-"/],
    ['-user@host:r.git', /starts with "-"/],
    ['git@host:-r.git', /path starts with "-"/],
    ['https://user:s3cret@example.com/r.git', /contains a password/],
    ['/tmp/repos/config.git', /neither/],
    ['', /empty/],
    ['file://', /no path/],
  ];
  for (const [url, reason] of refused)
    it(`refuses ${JSON.stringify(url)}`, () => {
      assert.throws(
        () => {
          validateRepoURL(url);
        },
        (error: unknown) => isUnsafe(error) && reason.test((error as Error).message),
      );
    });

  it('never repeats a password from a refused URL in the error', () => {
    assert.throws(
      () => {
        validateRepoURL('https://user:s3cret@example.com/r.git');
      },
      (error: unknown) =>
        error instanceof MooringError &&
        !error.message.includes('s3cret') &&
        error.subject === 'https://example.com/r.git',
    );
  });
});

describe('displayURL', () => {
  const cases: [string, string][] = [
    ['https://user:token@git.example.com/org/r.git', 'https://git.example.com/org/r.git'],
    ['https://user@git.example.com/org/r.git', 'https://git.example.com/org/r.git'],
    ['https://a:b@c@host/r.git', 'https://host/r.git'],
    ['ssh://git@host:22/r.git', 'ssh://host:22/r.git'],
    ['git@github.com:org/r.git', 'github.com:org/r.git'],
    ['file:///tmp/r.git', 'file:///tmp/r.git'],
    ['https://host/path@with-at', 'https://host/path@with-at'],
    ['https://host/r\n.git', 'https://host/r?.git'],
  ];
  for (const [url, shown] of cases)
    it(`shows ${JSON.stringify(url)} as ${shown}`, () => {
      assert.equal(displayURL(url), shown);
    });
});

describe('validateRefName', () => {
  for (const name of ['main', 'release/1.x', 'v1.2.0', 'feature/a-b_c', 'user@host'])
    it(`accepts ${name}`, () => {
      assert.doesNotThrow(() => {
        validateRefName(name, 'branch');
      });
    });
  const refused = [
    '-x',
    '--upload-pack=x',
    'a..b',
    'x@{1}',
    '@',
    'a b',
    'a\tb',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    'a/',
    '/a',
    'a//b',
    'a.',
    '.a',
    'a/.b',
    'a.lock',
    '',
    'a\u0001',
  ];
  for (const name of refused)
    it(`refuses ${JSON.stringify(name)}`, () => {
      assert.throws(() => {
        validateRefName(name, 'tag');
      }, isUnsafe);
    });
});

describe('validateCommitId', () => {
  it('accepts 7 to 40 hex digits and lower-cases them', () => {
    assert.equal(validateCommitId('ABCDEF1'), 'abcdef1');
    assert.equal(validateCommitId('a'.repeat(40)), 'a'.repeat(40));
  });
  for (const commit of ['abcdef', 'a'.repeat(41), 'ghijklm', '-abcdef1', 'HEAD', 'abcdef1^'])
    it(`refuses ${commit}`, () => {
      assert.throws(() => validateCommitId(commit), isUnsafe);
    });
});

describe('validateRefSpec', () => {
  it('checks each kind of ref', () => {
    assert.throws(() => {
      validateRefSpec({ branch: '-x' });
    }, isUnsafe);
    assert.throws(() => {
      validateRefSpec({ tag: 'a..b' });
    }, isUnsafe);
    assert.throws(() => {
      validateRefSpec({ semver: '--x' });
    }, isUnsafe);
    assert.throws(() => {
      validateRefSpec({ commit: 'zzz' });
    }, isUnsafe);
    assert.doesNotThrow(() => {
      validateRefSpec({ semver: '>=1.0.0 <2' });
    });
  });
});

describe('normaliseSourcePath', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['./apps/x/', 'apps/x'],
    ['apps//x/./y', 'apps/x/y'],
    ['apps/web', 'apps/web'],
  ];
  for (const [path, normalised] of cases)
    it(`normalises ${JSON.stringify(path)} to ${JSON.stringify(normalised)}`, () => {
      assert.equal(normaliseSourcePath(path), normalised);
    });
  for (const path of ['..', 'apps/../..', '../x', '/etc', 'a\\b', 'a\nb'])
    it(`refuses ${JSON.stringify(path)}`, () => {
      assert.throws(() => normaliseSourcePath(path), isUnsafe);
    });
});
