import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { helmValuesOfParameters } from '../../../src/import/helm-values.js';
import { refOfTargetRevision } from '../../../src/import/revision.js';

describe("Argo CD's targetRevision as a Mooring ref", () => {
  for (const [revision, ref, guessed] of [
    ['HEAD', { branch: 'main' }, true],
    ['', { branch: 'main' }, true],
    ['main', { branch: 'main' }, true],
    ['refs/heads/release', { branch: 'release' }, false],
    ['refs/tags/v2', { tag: 'v2' }, false],
    ['v1.2.3', { tag: 'v1.2.3' }, false],
    ['1.2.3-rc.1', { tag: '1.2.3-rc.1' }, false],
    ['>=1.2.0 <2', { semver: '>=1.2.0 <2' }, false],
    ['1.2.*', { semver: '1.2.*' }, false],
    ['~1.4', { semver: '~1.4' }, false],
    [
      '0123456789abcdef0123456789abcdef01234567',
      { commit: '0123456789abcdef0123456789abcdef01234567' },
      false,
    ],
  ] as const) {
    it(`reads "${revision}" as ${JSON.stringify(ref)}${guessed ? ' with a note' : ''}`, () => {
      const out = refOfTargetRevision(revision);
      assert.deepEqual(out.ref, ref);
      assert.equal(out.note !== undefined, guessed);
    });
  }
});

describe('helm parameters as values', () => {
  it('types values as helm --set does unless forceString, and nests dotted names', () => {
    const out = helmValuesOfParameters(
      [
        { name: 'a.b', value: '3' },
        { name: 'a.c', value: 'true' },
        { name: 'tag', value: '0123', forceString: true },
        { name: 'big', value: '12345678901234567890' },
      ],
      { a: { keep: 1 } },
    );
    assert.deepEqual(out.values, { a: { keep: 1, b: 3, c: true }, tag: '0123', big: '12345678901234567890' });
    assert.deepEqual(out.problems, []);
  });
  it('reports list indexes it does not convert', () => {
    const out = helmValuesOfParameters([{ name: 'hosts[0]', value: 'x' }], {});
    assert.deepEqual(out.values, {});
    assert.match(out.problems[0] ?? '', /hosts\[0\]/);
  });
});
