import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { fieldChanges, formatPath, jsonEqual } from '../../../src/diff/changes.js';
import { diffObject, unifiedDiff } from '../../../src/diff/object-diff.js';
import { normalizeForCompare } from '../../../src/diff/normalize.js';

const configMap = (data: Record<string, string>, extraMeta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns', ...extraMeta },
  data,
});

describe('normalisation', () => {
  it('drops status, server bookkeeping and kubectl last-applied, keeps other annotations', () => {
    const obj = configMap(
      { a: '1' },
      {
        resourceVersion: '42',
        uid: 'u',
        generation: 3,
        creationTimestamp: 't',
        managedFields: [{}],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
      },
    );
    assert.deepEqual(
      normalizeForCompare({ ...obj, status: { x: 1 } }),
      configMap({ a: '1' }, { annotations: { keep: 'me' } }),
    );
  });
});

describe('field changes', () => {
  it('lists leaf differences with readable paths', () => {
    const changes = fieldChanges(
      { spec: { replicas: 2, labels: { 'app.kubernetes.io/name': 'a' } } },
      { spec: { replicas: 3, labels: { 'app.kubernetes.io/name': 'a' } } },
    );
    assert.deepEqual(
      changes.map((c) => formatPath(c.path)),
      ['spec.replicas'],
    );
    assert.equal(
      formatPath(['metadata', 'labels', 'app.kubernetes.io/name']),
      'metadata.labels["app.kubernetes.io/name"]',
    );
    assert.equal(formatPath(['spec', 'containers', 0, 'image']), 'spec.containers[0].image');
  });

  it('reports added and removed fields', () => {
    const changes = fieldChanges({ a: 1 }, { b: 2 });
    assert.deepEqual(changes, [
      { path: ['a'], before: 1, after: undefined },
      { path: ['b'], before: undefined, after: 2 },
    ]);
  });

  it('compares JSON regardless of key order', () => {
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
    assert.ok(!jsonEqual([1, 2], [2, 1]));
  });
});

describe('diffing live against the dry-run result', () => {
  it('is create without a live object, unchanged when only server bookkeeping differs', () => {
    const dry = configMap({ a: '1' }, { resourceVersion: '2', managedFields: [{ manager: 'mooring' }] });
    assert.equal(diffObject(undefined, dry, 'mooring').action, 'create');
    assert.equal(
      diffObject(configMap({ a: '1' }, { resourceVersion: '1' }), dry, 'mooring').action,
      'unchanged',
    );
  });

  it('attributes a changed field to the other manager that owns it live', () => {
    const live = configMap(
      { a: 'changed' },
      {
        managedFields: [
          { manager: 'mooring', operation: 'Apply', fieldsV1: { 'f:data': {} } },
          { manager: 'kubectl-edit', operation: 'Update', time: 'T', fieldsV1: { 'f:data': { 'f:a': {} } } },
        ],
      },
    );
    const result = diffObject(live, configMap({ a: 'git' }), 'mooring');
    assert.equal(result.action, 'change');
    assert.deepEqual(result.drift, [
      { path: 'data.a', changedBy: [{ manager: 'kubectl-edit', operation: 'Update', time: 'T' }] },
    ]);
  });

  it('never shows Secret values, only that they changed', () => {
    const secret = (value: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns' },
      data: { password: value, same: 'c2FtZQ==' },
    });
    const result = diffObject(secret('b2xk'), secret('bmV3'), 'mooring');
    assert.equal(JSON.stringify(result).includes('b2xk'), false);
    assert.equal(JSON.stringify(result).includes('bmV3'), false);
    assert.deepEqual(
      result.changes.map((c) => c.path),
      ['data.password'],
    );
    const text = unifiedDiff('Secret/ns/s', secret('b2xk'), secret('bmV3'));
    assert.equal(text.includes('b2xk') || text.includes('bmV3') || text.includes('c2FtZQ=='), false);
    const before = /^-\s+password: "(\*\*\* \(value \d+, hidden\))"$/m.exec(text)?.[1];
    const after = /^\+\s+password: "(\*\*\* \(value \d+, hidden\))"$/m.exec(text)?.[1];
    assert.ok(before !== undefined && after !== undefined, text);
    assert.notEqual(before, after, 'a changed value gets a different mask');
    assert.match(text, /^ {3}same: "\*\*\* \(value \d+, hidden\)"$/m);
  });

  it('renders a unified diff of the changed lines', () => {
    const text = unifiedDiff('ConfigMap/ns/c', configMap({ color: 'red' }), configMap({ color: 'blue' }));
    assert.match(text, /^--- live\/ConfigMap\/ns\/c/m);
    assert.match(text, /^-\s+color: red$/m);
    assert.match(text, /^\+\s+color: blue$/m);
  });
});
