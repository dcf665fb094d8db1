import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { jsonnetImports, normaliseJsonnetOutput } from '../../../src/render/jsonnet-source.js';

const cm = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
});

describe('jsonnet imports', () => {
  it('finds import, importstr and importbin with any string literal', () => {
    const source = [
      "local a = import 'a.libsonnet';",
      'local b = importstr "b.txt";',
      'local c = importbin @"c\\bin";',
      "local d = import @'it''s.libsonnet';",
      "{ x: (import  /* why */ 'lib/x.libsonnet').y }",
    ].join('\n');
    assert.deepEqual(jsonnetImports(source), [
      { kind: 'import', path: 'a.libsonnet' },
      { kind: 'importstr', path: 'b.txt' },
      { kind: 'importbin', path: 'c\\bin' },
      { kind: 'import', path: "it's.libsonnet" },
      { kind: 'import', path: 'lib/x.libsonnet' },
    ]);
  });

  it('ignores imports inside comments, strings and text blocks, and look-alike names', () => {
    const source = [
      "// import 'comment.libsonnet'",
      "# import 'hash.libsonnet'",
      "/* import 'block.libsonnet' */",
      'local s = "import \'string.libsonnet\'";',
      'local t = |||',
      "  import 'text-block.libsonnet'",
      '|||;',
      "local importer = 'x';",
      "{ real: import '../real.libsonnet' }",
    ].join('\n');
    assert.deepEqual(jsonnetImports(source), [{ kind: 'import', path: '../real.libsonnet' }]);
  });
});

describe('jsonnet output normalisation', () => {
  it('accepts one object, an array, or an object of objects, nested', () => {
    assert.deepEqual(
      normaliseJsonnetOutput(cm('one'), 'm.jsonnet').map(({ object }) => object.metadata.name),
      ['one'],
    );
    assert.deepEqual(
      normaliseJsonnetOutput([cm('a'), [cm('b')], null], 'm.jsonnet').map(({ origin }) => origin),
      [
        { file: 'm.jsonnet', document: 1, line: 0, source: 'output [0]' },
        { file: 'm.jsonnet', document: 2, line: 0, source: 'output [1][0]' },
      ],
    );
    const nested = normaliseJsonnetOutput(
      { web: { deployment: cm('d'), service: cm('s') }, extra: cm('e') },
      'm.jsonnet',
    );
    assert.deepEqual(
      nested.map(({ object, origin }) => `${object.metadata.name}@${origin?.source ?? ''}`),
      ['d@output .web.deployment', 's@output .web.service', 'e@output .extra'],
    );
  });

  it('expands Lists in the output', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [cm('x'), cm('y')] };
    assert.deepEqual(
      normaliseJsonnetOutput(list, 'm.jsonnet').map(({ object }) => object.metadata.name),
      ['x', 'y'],
    );
  });

  it('names where in the output a value is not an object', () => {
    assert.throws(
      () => normaliseJsonnetOutput({ a: { b: 'text' } }, 'app/m.jsonnet'),
      /jsonnet output of app\/m\.jsonnet at \.a\.b is a string/,
    );
    assert.throws(() => normaliseJsonnetOutput(3, 'app/m.jsonnet'), /at \(top level\) is a number/);
    assert.throws(
      () => normaliseJsonnetOutput({ a: { apiVersion: 'v1', kind: 'ConfigMap' } }, 'app/m.jsonnet'),
      /app\/m\.jsonnet document 1 from output \.a: ConfigMap has no metadata mapping/,
    );
  });
});
