import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { matchBudgetMs, matchTags, testTags } from '../../../src/image/policy/bounded-regex.js';
import type { TagMatch } from '../../../src/image/policy/bounded-regex.js';
import { filterCandidates } from '../../../src/image/policy/select.js';
import { keepTags } from '../../../src/image/policy/tags.js';

/** A tag on which `^(a+)+$` backtracks 2^n times before failing. */
const EVIL_TAG = `${'a'.repeat(40)}!`;

function caught(run: () => unknown): MooringError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof MooringError, String(error));
    return error;
  }
  assert.fail('expected an error');
}

describe('bounded user regexes', () => {
  it('stops a catastrophic pattern on a long tag with a clear error naming the pattern and the tag', () => {
    const error = caught(() => testTags('^(a+)+$', 'spec.exclusionList entry', ['1.0.0', EVIL_TAG], 50));
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.retry, 'terminal');
    assert.equal(
      error.message,
      `spec.exclusionList entry "^(a+)+$" was stopped after 50 ms matching tag "${EVIL_TAG}" (catastrophic backtracking)`,
    );
    assert.match(error.hint ?? '', /nested or overlapping repetition/);
    // Once stopped, the pattern is refused at once, even on tags it would match quickly.
    assert.equal(
      caught(() => testTags('^(a+)+$', 'spec.exclusionList entry', ['aaa'])).message,
      error.message,
    );
  });

  it('stops it the same way in a policy filter and in the repository lists, with the default budget', () => {
    const tags = ['main-1-abc', EVIL_TAG];
    assert.match(
      caught(() => filterCandidates(tags, { pattern: '^(?P<x>a+)+$', extract: '$x' })).message,
      /^spec\.filterTags\.pattern "\^\(\?P<x>a\+\)\+\$" was stopped after \d+ ms matching tag "a{40}!"/,
    );
    assert.match(
      caught(() => keepTags(tags, { exclusionList: [], inclusionList: ['^([a-z]*)*$'] })).message,
      /^spec\.inclusionList entry "\^\(\[a-z\]\*\)\*\$" was stopped after/,
    );
  });

  it('matches as RegExp does: captures by index, Go-style named groups, null where nothing matches', () => {
    const tags = ['main-42-abc', 'dev', 'main-7-0f0'];
    const plain = (m: TagMatch | null): unknown =>
      m === null ? null : { captures: [...m.captures], groups: { ...m.groups } };
    assert.deepEqual(matchTags('^main-(?P<n>\\d+)-([a-f0-9]+)$', 'p', tags).map(plain), [
      { captures: ['main-42-abc', '42', 'abc'], groups: { n: '42' } },
      null,
      { captures: ['main-7-0f0', '7', '0f0'], groups: { n: '7' } },
    ]);
    assert.deepEqual([...testTags('^d', 'p', tags)], [false, true, false]);
  });

  it('refuses an invalid pattern before matching, even on no tags', () => {
    assert.match(
      caught(() => testTags('([', 'p', [])).message,
      /^p "\(\[" is not a valid regular expression$/,
    );
  });

  it('gives large tag lists a larger budget', () => {
    assert.equal(matchBudgetMs(0), 100);
    assert.equal(matchBudgetMs(50_000), 1100);
  });
});
