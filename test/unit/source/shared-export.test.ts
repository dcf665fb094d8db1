import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SharedExports } from '../../../src/source/shared-export.js';
import type { ExportedTree, ResolvedSource } from '../../../src/source/types.js';

const source = (commit: string, path = 'app', mirrorDir = '/m/one'): ResolvedSource =>
  ({ mirrorDir, path, commit: { sha: commit } }) as unknown as ResolvedSource;

/** An exporter that counts its exports and removals; `fail` makes the next export throw. */
function countingExporter(): {
  exporter: (s: ResolvedSource) => Promise<ExportedTree>;
  exported: string[];
  removed: string[];
  failNext: () => void;
} {
  const exported: string[] = [];
  const removed: string[] = [];
  let fail = false;
  return {
    exported,
    removed,
    failNext: () => {
      fail = true;
    },
    exporter: async (s) => {
      await Promise.resolve();
      if (fail) {
        fail = false;
        throw new Error('archive failed');
      }
      const root = `/exports/${s.commit.sha}.${exported.length}`;
      exported.push(root);
      return {
        root,
        appDir: `${root}/${s.path}`,
        release: () => {
          removed.push(root);
          return Promise.resolve();
        },
      };
    },
  };
}

describe('SharedExports: one export per commit for the syncs that need it at once', () => {
  it('exports once for concurrent users of a commit, gives each its own app folder, removes after the last', async () => {
    const c = countingExporter();
    const exports = new SharedExports(c.exporter);
    const [a, b] = await Promise.all([
      exports.acquire(source('c1', 'web')),
      exports.acquire(source('c1', 'api')),
    ]);
    assert.deepEqual(c.exported, ['/exports/c1.0']);
    assert.equal(a.root, b.root);
    assert.equal(a.appDir, '/exports/c1.0/web');
    assert.equal(b.appDir, '/exports/c1.0/api');
    await a.release();
    await a.release(); // a second release by the same user does not count twice
    assert.deepEqual(c.removed, [], 'still in use by b');
    await b.release();
    assert.deepEqual(c.removed, ['/exports/c1.0']);
    assert.equal(exports.held, 0);
  });

  it('makes a new export once the last one was removed, and never shares across commits or mirrors', async () => {
    const c = countingExporter();
    const exports = new SharedExports(c.exporter);
    const first = await exports.acquire(source('c1'));
    await first.release();
    const again = await exports.acquire(source('c1'));
    const other = await exports.acquire(source('c2'));
    const otherMirror = await exports.acquire(source('c1', 'app', '/m/two'));
    assert.equal(c.exported.length, 4);
    assert.notEqual(again.root, first.root);
    assert.notEqual(other.root, again.root);
    assert.notEqual(otherMirror.root, again.root);
    await Promise.all([again.release(), other.release(), otherMirror.release()]);
    assert.equal(c.removed.length, 4);
  });

  it('does not keep a failed export: the waiters get the error and the next sync exports again', async () => {
    const c = countingExporter();
    const exports = new SharedExports(c.exporter);
    c.failNext();
    const results = await Promise.allSettled([exports.acquire(source('c1')), exports.acquire(source('c1'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(exports.held, 0);
    const next = await exports.acquire(source('c1'));
    assert.deepEqual(c.exported, ['/exports/c1.0']);
    await next.release();
    assert.deepEqual(c.removed, ['/exports/c1.0']);
  });
});
