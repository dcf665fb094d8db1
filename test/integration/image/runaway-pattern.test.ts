/**
 * Catastrophic user regexes on the local cluster: an ImageRepository inclusion pattern and an ImagePolicy
 * filter that backtrack exponentially on a pushed tag are stopped within their budget; status says which
 * pattern and tag, and the scan controller goes on serving the other repository.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startRegistry } from '../../helpers/registry.js';
import { readyOf, startScanFixture } from './scan-fixture.js';

const EVIL_TAG = `${'a'.repeat(60)}-`;

describe('runaway tag patterns', () => {
  it('stops a catastrophic inclusion pattern and policy filter with a clear status, and keeps scanning others', async (t) => {
    const registry = await startRegistry(t);
    for (const tag of ['1.0.0', EVIL_TAG]) await registry.pushImage('team/app', tag);
    const f = await startScanFixture(t);
    const image = `${registry.host}/team/app`;
    await f.createRepository('evil', { image, insecure: true, interval: '1h', inclusionList: ['^(a+)+$'] });
    await f.createRepository('app', { image, insecure: true, interval: '1h' });
    await f.createPolicy('evil-filter', {
      imageRepositoryRef: { name: 'app' },
      filterTags: { pattern: '^(a|aa)+$' },
      policy: { alphabetical: { order: 'asc' } },
    });
    await f.createPolicy('semver', {
      imageRepositoryRef: { name: 'app' },
      policy: { semver: { range: '>=1.0.0' } },
    });

    const evil = await f.waitForRepository('evil', 'a failed scan', (s) =>
      readyOf(s)?.status === 'False' ? s : undefined,
    );
    assert.match(
      readyOf(evil)?.message ?? '',
      /^spec\.inclusionList entry "\^\(a\+\)\+\$" was stopped after \d+ ms matching tag "a{60}-" \(catastrophic backtracking\)/,
    );
    assert.equal(evil.tagCount, undefined);

    const app = await f.waitForRepository('app', 'a successful scan', (s) =>
      s.tagCount === undefined ? undefined : s,
    );
    assert.equal(app.tagCount, 2);
    assert.equal(await f.waitForPolicy('semver', 'a latest image', (s) => s.latestImage), `${image}:1.0.0`);
    const filter = await f.waitForPolicy('evil-filter', 'a refusal', (s) =>
      readyOf(s)?.status === 'False' ? s : undefined,
    );
    assert.equal(readyOf(filter)?.reason, 'InvalidPolicy');
    assert.match(
      readyOf(filter)?.message ?? '',
      /^spec\.filterTags\.pattern "\^\(a\|aa\)\+\$" was stopped after \d+ ms/,
    );
  });
});
