import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { resolveSource } from '../../../src/source/index.js';
import { sourceFixture } from '../source/fixture.js';
import type { SourceFixture } from '../source/fixture.js';

describe('metrics: the git fetch observer (real git)', () => {
  let f: SourceFixture;
  before(async () => {
    f = await sourceFixture();
  });
  after(() => f.cleanup());

  it('is told of each fetch from the remote, with its duration and whether it worked', async () => {
    const fetches: { seconds: number; ok: boolean }[] = [];
    const onFetch = (fetch: { seconds: number; ok: boolean }): void => {
      fetches.push(fetch);
    };
    const source = await resolveSource(
      { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: 'apps/web' },
      f.cacheDir,
      {
        onFetch,
      },
    );
    const [first] = fetches;
    assert.equal(fetches.length, 1);
    assert.ok(first);
    assert.equal(first.ok, true);
    assert.ok(first.seconds > 0);

    // A commit the mirror already holds, with preferCache: no fetch, so nothing to tell.
    await resolveSource(
      { repoURL: f.repo.fileUrl, ref: { commit: source.commit.sha }, path: 'apps/web' },
      f.cacheDir,
      {
        onFetch,
        preferCache: true,
      },
    );
    assert.equal(fetches.length, 1);

    // A repository that is not there: the fetch fails, and is told as failed.
    await assert.rejects(
      resolveSource(
        { repoURL: `file://${join(f.root, 'no-such-repo.git')}`, ref: { branch: 'main' }, path: '' },
        f.cacheDir,
        { onFetch },
      ),
    );
    assert.equal(fetches.length, 2);
    assert.equal(fetches[1]?.ok, false);
  });
});
