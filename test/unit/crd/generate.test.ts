import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { applicationCrd, crdFiles, renderCrdYaml, syncRecordCrd } from '../../../src/crd/generate.js';
import { fieldAt } from '../../../src/core/objects.js';

const versionPath = ['spec', 'versions', 0];
const specSchema = [...versionPath, 'schema', 'openAPIV3Schema', 'properties', 'spec'];

describe('generated CRDs', () => {
  it('equal the files committed under deploy/crds (run node dist/src/crd/write-crds.js after a schema change)', () => {
    for (const { file, crd } of crdFiles()) {
      const committed = readFileSync(join(packageRoot(), 'deploy', 'crds', file), 'utf8');
      assert.equal(committed, renderCrdYaml(crd), `deploy/crds/${file} is stale`);
    }
  });

  it('declare the Application printer columns, the Message column only with -o wide', () => {
    const columns = fieldAt(applicationCrd(), [...versionPath, 'additionalPrinterColumns']) as {
      name: string;
      priority?: number;
    }[];
    assert.deepEqual(
      columns.map((c) => `${c.name}:${c.priority ?? 0}`),
      ['Sync:0', 'Health:0', 'Revision:0', 'Age:0', 'Message:1'],
    );
    assert.deepEqual(fieldAt(applicationCrd(), [...versionPath, 'subresources']), { status: {} });
  });

  it('carry the defaults the API server fills in', () => {
    const spec = fieldAt(applicationCrd(), specSchema);
    assert.equal(fieldAt(spec, ['properties', 'interval', 'default']), '3m');
    assert.equal(fieldAt(spec, ['properties', 'historyLimit', 'default']), 100);
    assert.deepEqual(fieldAt(spec, ['properties', 'syncPolicy', 'default']), {});
    assert.equal(fieldAt(spec, ['properties', 'syncPolicy', 'properties', 'automated', 'default']), true);
    assert.equal(
      fieldAt(spec, ['properties', 'destination', 'properties', 'cluster', 'default']),
      'in-cluster',
    );
  });

  it('enforce one ref with a CEL rule, and make SyncRecord specs immutable', () => {
    const ref = fieldAt(applicationCrd(), [...specSchema, 'properties', 'source', 'properties', 'ref']);
    assert.match(JSON.stringify(fieldAt(ref, ['x-kubernetes-validations'])), /has\(self\.branch\)/);
    assert.deepEqual(fieldAt(syncRecordCrd(), [...specSchema, 'x-kubernetes-validations']), [
      { rule: 'self == oldSelf', message: 'a SyncRecord is history: its spec cannot change' },
    ]);
    assert.equal(fieldAt(syncRecordCrd(), [...versionPath, 'subresources']), undefined);
  });
});
