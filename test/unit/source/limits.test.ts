import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseByteSize } from '../../../src/cli/byte-size.js';
import { MooringError } from '../../../src/core/errors.js';
import { DEFAULT_SOURCE_LIMITS, limitViolation, mirrorBytes, treeUsage } from '../../../src/source/limits.js';

const entry = (type: string, size: string, path: string): string =>
  `100644 ${type} ${'a'.repeat(40)} ${size.padStart(7)}\t${path}`;
const limits = { maxBytes: 1000, maxFileBytes: 400, maxFiles: 3, maxMirrorBytes: 10_000 };

describe('treeUsage', () => {
  it('sums blobs, ignores submodules, keeps paths with spaces and tabs whole', () => {
    const output = [
      entry('blob', '100', 'a.yaml'),
      entry('commit', '-', 'vendor/sub'),
      entry('blob', '300', 'dir/with space\tand tab.bin'),
      '',
    ].join('\0');
    const usage = treeUsage(output, limits);
    assert.equal(usage.files, 2);
    assert.equal(usage.bytes, 400);
    assert.deepEqual(usage.largest, { path: 'dir/with space\tand tab.bin', bytes: 300 });
    assert.equal(usage.firstOver, undefined);
  });
});

describe('limitViolation', () => {
  const where = 'https://git.example.com/r.git at abc';
  const violation = (...entries: string[]) =>
    limitViolation(treeUsage(entries.join('\0'), limits), limits, where);

  it('names the first file over the per-file limit', () => {
    const error = violation(entry('blob', '10', 'ok.yaml'), entry('blob', '401', 'apps/big.bin'));
    assert.ok(error instanceof MooringError);
    assert.equal(error.code, 'SOURCE_FAILED');
    assert.equal(error.subject, 'apps/big.bin');
    assert.match(
      error.message,
      /^https:\/\/git\.example\.com\/r\.git at abc: file apps\/big\.bin is 0\.0 MiB, over the limit/,
    );
    assert.match(error.hint ?? '', /--max-source-file-size/);
  });

  it('names where the total passed its limit', () => {
    const error = violation(entry('blob', '400', 'a'), entry('blob', '400', 'b'), entry('blob', '300', 'c'));
    assert.ok(error instanceof MooringError);
    assert.equal(error.subject, 'c');
    assert.match(error.message, /the tree holds .* over the limit of .*passed at c/);
  });

  it('counts files', () => {
    const error = violation(...['a', 'b', 'c', 'd'].map((p) => entry('blob', '1', p)));
    assert.match(error?.message ?? '', /4 files, over the limit of 3/);
  });

  it('accepts a tree within every limit', () => {
    assert.equal(violation(entry('blob', '400', 'a'), entry('blob', '400', 'b')), undefined);
  });

  it('defaults to 256 MiB, 64 MiB per file', () => {
    assert.equal(DEFAULT_SOURCE_LIMITS.maxBytes, 256 * 1024 * 1024);
    assert.equal(DEFAULT_SOURCE_LIMITS.maxFileBytes, 64 * 1024 * 1024);
  });
});

describe('parseByteSize', () => {
  it('reads bytes and binary units', () => {
    assert.equal(parseByteSize('123', '--x'), 123);
    assert.equal(parseByteSize('64Mi', '--x'), 64 * 1024 * 1024);
    assert.equal(parseByteSize('1Gi', '--x'), 1024 ** 3);
    assert.throws(() => parseByteSize('64MB', '--x'), /--x 64MB: not a size/);
    assert.throws(() => parseByteSize('0', '--x'), /not a size/);
  });
});

describe('mirrorBytes', () => {
  it('adds loose objects, packs and garbage from git count-objects -v', () => {
    const output =
      'count: 3\nsize: 12\nin-pack: 40\npacks: 1\nsize-pack: 100\nprune-packable: 0\ngarbage: 0\nsize-garbage: 4\n';
    assert.equal(mirrorBytes(output), (12 + 100 + 4) * 1024);
  });
});
