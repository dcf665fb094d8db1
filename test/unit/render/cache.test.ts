import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { canonicalJson, RenderCache, renderCacheKey } from '../../../src/render/cache.js';
import type { RenderResult } from '../../../src/render/types.js';

const versions = { helm: '3.21.4', kustomize: '5.8.2', jsonnet: '0.22.0' };

describe('render cache key', () => {
  it('does not depend on the order of option keys', () => {
    const a = renderCacheKey(
      {
        path: 'apps/web',
        namespace: 'web',
        options: { helm: { releaseName: 'w', values: { a: 1, b: { c: 2, d: 3 } } } },
      },
      versions,
      'tree1',
    );
    const b = renderCacheKey(
      {
        namespace: 'web',
        options: { helm: { values: { b: { d: 3, c: 2 }, a: 1 }, releaseName: 'w' } },
        path: 'apps/web',
      },
      { jsonnet: '0.22.0', kustomize: '5.8.2', helm: '3.21.4' },
      'tree1',
    );
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{64}$/);
  });

  it('changes with any tool version, the content key, the options, the path or the namespace', () => {
    const input = {
      path: 'apps/web',
      namespace: 'web',
      options: { helm: { valueFiles: ['a.yaml', 'b.yaml'] } },
    };
    const base = renderCacheKey(input, versions, 'tree1');
    const variants = [
      renderCacheKey(input, { ...versions, helm: '3.21.5' }, 'tree1'),
      renderCacheKey(input, { ...versions, kustomize: '5.8.3' }, 'tree1'),
      renderCacheKey(input, { ...versions, jsonnet: '0.22.1' }, 'tree1'),
      renderCacheKey(input, versions, 'tree2'),
      renderCacheKey(
        { ...input, options: { helm: { valueFiles: ['b.yaml', 'a.yaml'] } } },
        versions,
        'tree1',
      ),
      renderCacheKey({ ...input, path: 'apps/web2' }, versions, 'tree1'),
      renderCacheKey({ ...input, namespace: 'other' }, versions, 'tree1'),
    ];
    assert.equal(new Set([base, ...variants]).size, variants.length + 1);
  });

  it('writes canonical JSON without undefined fields', () => {
    assert.equal(
      canonicalJson({ b: 1, a: [3, { d: undefined, c: 'x' }], e: undefined }),
      '{"a":[3,{"c":"x"}],"b":1}',
    );
  });
});

function result(name: string): RenderResult {
  return {
    renderer: 'directory',
    objects: [{ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } }],
    warnings: [],
  };
}

describe('RenderCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new RenderCache(2);
    cache.set('a', result('a'));
    cache.set('b', result('b'));
    assert.ok(cache.get('a') !== undefined);
    cache.set('c', result('c'));
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a')?.objects[0]?.object.metadata.name, 'a');
    assert.equal(cache.get('c')?.objects[0]?.object.metadata.name, 'c');
    assert.equal(cache.size, 2);
  });

  it('counts hits and misses (a miss is a render)', () => {
    const cache = new RenderCache(2);
    assert.deepEqual(cache.stats, { hits: 0, misses: 0 });
    assert.equal(cache.get('a'), undefined);
    cache.set('a', result('a'));
    cache.get('a');
    cache.get('a');
    assert.deepEqual(cache.stats, { hits: 2, misses: 1 });
  });

  it('hands out copies, so a caller cannot change what the next one gets', () => {
    const cache = new RenderCache(1);
    const stored = result('a');
    cache.set('a', stored);
    const [storedObject] = stored.objects;
    assert.ok(storedObject !== undefined);
    storedObject.object.metadata.name = 'changed-after-set';
    const gotObject = cache.get('a')?.objects[0];
    assert.ok(gotObject !== undefined);
    gotObject.object.metadata.labels = { added: 'by-caller' };
    assert.deepEqual(cache.get('a')?.objects[0]?.object.metadata, { name: 'a' });
  });
});
