import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { detectRenderer, jsonnetEntry } from '../../../src/render/detect.js';

describe('renderer detection', () => {
  it('picks kustomize for any kustomization file name, before helm', () => {
    assert.equal(detectRenderer(['kustomization.yaml', 'a.yaml']), 'kustomize');
    assert.equal(detectRenderer(['kustomization.yml']), 'kustomize');
    assert.equal(detectRenderer(['Kustomization', 'Chart.yaml']), 'kustomize');
  });

  it('picks helm for Chart.yaml, jsonnet for *.jsonnet, else directory', () => {
    assert.equal(detectRenderer(['Chart.yaml', 'values.yaml', 'templates']), 'helm');
    assert.equal(detectRenderer(['app.jsonnet', 'lib.libsonnet']), 'jsonnet');
    assert.equal(detectRenderer(['a.yaml', 'b.json', 'lib.libsonnet']), 'directory');
    assert.equal(detectRenderer([]), 'directory');
  });

  it('chooses main.jsonnet, or the only jsonnet file, as the entry', () => {
    assert.equal(jsonnetEntry(['a.jsonnet', 'main.jsonnet']), 'main.jsonnet');
    assert.equal(jsonnetEntry(['app.jsonnet', 'lib.libsonnet']), 'app.jsonnet');
    assert.equal(jsonnetEntry(['a.jsonnet', 'b.jsonnet']), undefined);
  });
});
