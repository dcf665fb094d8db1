import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ImagePolicySpec } from '../../../src/crd/image-policy.js';
import { expandTemplate, filterCandidates, selectTag } from '../../../src/image/policy/select.js';
import { keepTags, statusTags } from '../../../src/image/policy/tags.js';

type PolicyInput = Pick<ImagePolicySpec, 'policy' | 'filterTags'>;

const semverPolicy = (range: string, includePrerelease = false): PolicyInput => ({
  policy: { semver: { range, includePrerelease } },
});

function chosen(spec: PolicyInput, tags: string[]): string | undefined {
  const selection = selectTag(spec, tags);
  return selection.kind === 'selected' ? selection.tag : undefined;
}

describe('semver policy', () => {
  const tags = [
    '1.0.0',
    '1.2.0',
    'v1.10.0',
    '1.9.3',
    '2.0.0-rc.1',
    '1.11.0-beta.2',
    'latest',
    'main-abc',
    '0.9.0',
  ];

  it('picks the highest version in range, reading a leading v, and ignores tags that are not versions', () => {
    assert.equal(chosen(semverPolicy('>=1.0.0'), tags), 'v1.10.0');
    assert.equal(chosen(semverPolicy('~1.9'), tags), '1.9.3');
    assert.equal(chosen(semverPolicy('<1'), tags), '0.9.0');
  });

  it('does not pick a pre-release for a range that names none', () => {
    assert.equal(chosen(semverPolicy('>=1.0.0'), tags), 'v1.10.0');
    assert.equal(chosen(semverPolicy('^2'), tags), undefined);
  });

  it('picks a pre-release when the range names one for the same version, or with includePrerelease', () => {
    assert.equal(chosen(semverPolicy('>=2.0.0-0'), tags), '2.0.0-rc.1');
    assert.equal(chosen(semverPolicy('>=1.0.0', true), tags), '2.0.0-rc.1');
    assert.equal(chosen(semverPolicy('1.11.x', true), tags), '1.11.0-beta.2');
  });

  it('orders pre-releases as semver does: numeric identifiers numerically, release above its pre-releases', () => {
    const pre = ['1.0.0-rc.2', '1.0.0-rc.10', '1.0.0-beta.11', '1.0.0-alpha'];
    assert.equal(chosen(semverPolicy('>=1.0.0-0'), pre), '1.0.0-rc.10');
    assert.equal(chosen(semverPolicy('>=1.0.0-0'), [...pre, '1.0.0']), '1.0.0');
  });

  it('breaks a tie between equal versions (v1.2.0 and 1.2.0) by the tag, whatever the listing order', () => {
    assert.equal(chosen(semverPolicy('*'), ['v1.2.0', '1.2.0']), 'v1.2.0');
    assert.equal(chosen(semverPolicy('*'), ['1.2.0', 'v1.2.0']), 'v1.2.0');
  });

  it('says why nothing was chosen, and refuses a range that is not one', () => {
    assert.deepEqual(selectTag(semverPolicy('>=5'), tags), {
      kind: 'none',
      candidates: tags.length,
      reason: 'no tag is a version in range ">=5"',
    });
    assert.throws(() => selectTag(semverPolicy('not a range!'), tags), /is not a semver range/);
  });
});

describe('numerical and alphabetical policies over a regex capture', () => {
  const builds = [
    'main-1700000010-abc1234',
    'main-1700000200-def5678',
    'main-999-0a0a0a0',
    'feature-1800000000-aaa1111',
    'latest',
  ];
  const fluxStyle: PolicyInput['filterTags'] = { pattern: '^main-(?P<ts>\\d+)-[a-f0-9]+$', extract: '$ts' };

  it('reads a Flux-style (?P<ts>…) group and picks the highest number (asc), not the longest string', () => {
    assert.equal(
      chosen({ policy: { numerical: { order: 'asc' } }, filterTags: fluxStyle }, builds),
      'main-1700000200-def5678',
    );
    assert.equal(
      chosen({ policy: { numerical: { order: 'desc' } }, filterTags: fluxStyle }, builds),
      'main-999-0a0a0a0',
    );
  });

  it('orders strings by code unit: asc picks the last, desc the first', () => {
    const stamps = ['build-2026-01-02T03:04:05Z', 'build-2026-11-30T00:00:00Z', 'build-2025-12-31T23:59:59Z'];
    const filterTags = { pattern: '^build-(?P<when>.+)$', extract: '${when}' };
    assert.equal(
      chosen({ policy: { alphabetical: { order: 'asc' } }, filterTags }, stamps),
      'build-2026-11-30T00:00:00Z',
    );
    assert.equal(
      chosen({ policy: { alphabetical: { order: 'desc' } }, filterTags }, stamps),
      'build-2025-12-31T23:59:59Z',
    );
  });

  it('skips extracted values that are not numbers', () => {
    const filterTags = { pattern: '^(?P<n>.*)$', extract: '$n' };
    assert.equal(
      chosen({ policy: { numerical: { order: 'asc' } }, filterTags }, ['10', 'x9', '9', '1e2', 'NaN']),
      '1e2',
    );
  });

  it('keeps only matching tags; without extract the whole tag is ordered; $1 works', () => {
    assert.deepEqual(
      filterCandidates(builds, { pattern: '^main-(\\d+)-' }).map((c) => c.value),
      ['main-1700000010-abc1234', 'main-1700000200-def5678', 'main-999-0a0a0a0'],
    );
    assert.deepEqual(
      filterCandidates(builds, { pattern: '^main-(\\d+)-', extract: 'n$1' }).map((c) => c.value),
      ['n1700000010', 'n1700000200', 'n999'],
    );
  });

  it('expands templates as Go does: $$ is a dollar, unknown groups are empty', () => {
    const match = /^(?<a>x)(y)$/.exec('xy');
    assert.ok(match !== null);
    assert.equal(
      expandTemplate('$a-${a}-$2-$$-$missing.', { captures: [...match], groups: match.groups }),
      'x-x-y-$-.',
    );
  });

  it('refuses an invalid pattern with a clear message', () => {
    assert.throws(
      () => selectTag({ policy: { numerical: { order: 'asc' } }, filterTags: { pattern: '([' } }, builds),
      /spec\.filterTags\.pattern "\(\[" is not a valid regular expression/,
    );
  });
});

describe('ImageRepository tag filters', () => {
  it('drops excluded tags (cosign signatures by default) and keeps only included ones when set', () => {
    const tags = ['1.0.0', 'sha256-abc.sig', 'sha256-abc.att', '1.1.0', 'dev'];
    assert.deepEqual(keepTags(tags, { exclusionList: ['^.*\\.sig$'] }), [
      '1.0.0',
      'sha256-abc.att',
      '1.1.0',
      'dev',
    ]);
    assert.deepEqual(keepTags(tags, { exclusionList: ['^.*\\.sig$'], inclusionList: ['^\\d', '^dev$'] }), [
      '1.0.0',
      '1.1.0',
      'dev',
    ]);
  });

  it('shows the last N tags of the listing in status', () => {
    assert.deepEqual(statusTags(['a', 'b', 'c', 'd'], 2), ['c', 'd']);
    assert.deepEqual(statusTags(['a'], 2), ['a']);
  });
});
