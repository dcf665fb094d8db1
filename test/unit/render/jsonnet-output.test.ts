import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { normaliseJsonnetOutput } from '../../../src/render/jsonnet-output.js';

const cm = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
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
