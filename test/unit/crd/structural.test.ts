import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { crdFiles, openApiSchemaOf } from '../../../src/crd/generate.js';
import { NonStructuralSchemaError, toStructural } from '../../../src/crd/structural.js';
import type { SchemaNode } from '../../../src/crd/structural.js';

/** Every schema node of a CRD's openAPIV3Schema, with its path. */
function* nodes(node: SchemaNode, path = ''): Generator<[string, SchemaNode]> {
  yield [path, node];
  const properties = node.properties as Record<string, SchemaNode> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) yield* nodes(child, `${path}.${name}`);
  if (node.items !== undefined) yield* nodes(node.items as SchemaNode, `${path}[]`);
  if (typeof node.additionalProperties === 'object')
    yield* nodes(node.additionalProperties as SchemaNode, `${path}.*`);
}

describe('structural schema conversion', () => {
  it('marks a free-form map (z.record of unknown) with x-kubernetes-preserve-unknown-fields', () => {
    const schema = openApiSchemaOf(z.object({ values: z.record(z.string(), z.unknown()) }), 'spec');
    assert.deepEqual(schema.properties, {
      values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    });
  });

  it('keeps a typed map as additionalProperties and drops additionalProperties: false', () => {
    const schema = openApiSchemaOf(
      z.object({ labels: z.record(z.string(), z.string()), strict: z.strictObject({ a: z.string() }) }),
      'spec',
    );
    assert.deepEqual(schema.properties, {
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      strict: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
    });
  });

  it('drops the safe-integer bounds zod puts on z.int() and the date-time regex', () => {
    const schema = openApiSchemaOf(z.object({ n: z.int(), t: z.iso.datetime() }), 'spec');
    assert.deepEqual(schema.properties, {
      n: { type: 'integer' },
      t: { type: 'string', format: 'date-time' },
    });
  });

  it('refuses unions, refs and untyped fields, naming the field', () => {
    assert.throws(() => openApiSchemaOf(z.object({ a: z.union([z.string(), z.number()]) }), 'spec'), {
      name: 'NonStructuralSchemaError',
      message: 'spec.a: "anyOf" is not allowed in a structural schema; use a CEL rule',
    });
    assert.throws(
      () => toStructural({ type: 'object', properties: { a: { $ref: '#/x' } } }),
      NonStructuralSchemaError,
    );
    assert.throws(
      () => openApiSchemaOf(z.object({ a: z.unknown() }), 'spec'),
      /spec\.a: every field needs a type/,
    );
    assert.throws(
      () => toStructural({ type: 'string', propertyNames: {} }),
      /unknown keyword "propertyNames"/,
    );
  });

  it('produces CRD schemas in which every field is typed and nothing structural schemas forbid appears', () => {
    const forbidden = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', '$schema', 'const'];
    for (const { crd } of crdFiles()) {
      const spec = crd.spec as { versions: { schema: { openAPIV3Schema: SchemaNode } }[] };
      const root = spec.versions[0]?.schema.openAPIV3Schema;
      assert.ok(root);
      for (const [path, node] of nodes(root)) {
        assert.ok(
          node.type !== undefined || node['x-kubernetes-preserve-unknown-fields'] === true,
          `${path} untyped`,
        );
        for (const keyword of forbidden) assert.equal(node[keyword], undefined, `${path} has ${keyword}`);
        assert.notEqual(node.additionalProperties, false, path);
        assert.ok(!(node.properties !== undefined && node.additionalProperties !== undefined), path);
      }
    }
  });
});
