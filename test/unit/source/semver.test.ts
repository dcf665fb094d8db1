import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { compareVersions, highestSatisfyingTag, versionOfTag } from '../../../src/source/semver.js';

describe('versionOfTag', () => {
  it('reads tags with or without a leading v', () => {
    assert.equal(versionOfTag('v1.2.3'), '1.2.3');
    assert.equal(versionOfTag('1.2.3-rc.1'), '1.2.3-rc.1');
    assert.equal(versionOfTag('release-1.2.3'), undefined);
    assert.equal(versionOfTag('v1.2'), undefined);
    assert.equal(versionOfTag('latest'), undefined);
  });
});

describe('highestSatisfyingTag', () => {
  const tags = [
    'v1.0.0',
    'v1.0.1',
    'v1.1.0',
    '1.2.0',
    'v2.0.0-rc.9',
    'v2.0.0-rc.10',
    'v2.0.0-rc.2',
    'latest',
    'v3.0.0-beta.1',
  ];

  it('picks the highest version in the range', () => {
    assert.deepEqual(highestSatisfyingTag(tags, '^1.0.0'), { tag: '1.2.0', version: '1.2.0' });
    assert.deepEqual(highestSatisfyingTag(tags, '~1.0'), { tag: 'v1.0.1', version: '1.0.1' });
    assert.deepEqual(highestSatisfyingTag(tags, '>=1.0.0 <1.1'), { tag: 'v1.0.1', version: '1.0.1' });
  });

  it('leaves pre-releases out unless the range names one of the same version', () => {
    assert.equal(highestSatisfyingTag(tags, '*')?.tag, '1.2.0');
    assert.equal(highestSatisfyingTag(tags, '>=1.0.0')?.tag, '1.2.0');
    assert.equal(highestSatisfyingTag(tags, '>=2.0.0-rc.0')?.tag, 'v2.0.0-rc.10');
    assert.equal(highestSatisfyingTag(tags, '>=3.0.0-alpha')?.tag, 'v3.0.0-beta.1');
  });

  it('orders pre-release numbers numerically (rc.10 after rc.9)', () => {
    assert.equal(highestSatisfyingTag(tags, '>=2.0.0-rc.0 <2.0.0-rc.10')?.tag, 'v2.0.0-rc.9');
    assert.ok(compareVersions('1.0.0-rc.10', '1.0.0-rc.9') > 0);
    assert.ok(compareVersions('1.0.0', '1.0.0-rc.10') > 0);
  });

  it('returns undefined when no tag satisfies the range', () => {
    assert.equal(highestSatisfyingTag(tags, '^4'), undefined);
    assert.equal(highestSatisfyingTag([], '*'), undefined);
  });

  it('breaks ties between equal versions by tag name, whatever the listing order', () => {
    assert.equal(highestSatisfyingTag(['v1.0.0', '1.0.0'], '1.0.0')?.tag, '1.0.0');
    assert.equal(highestSatisfyingTag(['1.0.0', 'v1.0.0'], '1.0.0')?.tag, '1.0.0');
  });

  it('refuses a range semver cannot read', () => {
    assert.throws(
      () => highestSatisfyingTag(tags, '>=>=1'),
      (error: unknown) => error instanceof MooringError && error.code === 'UNSAFE_INPUT',
    );
  });
});
