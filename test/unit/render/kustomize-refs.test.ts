import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { kustomizationRefs, looksRemote } from '../../../src/render/kustomize-refs.js';

describe('remote kustomize entries', () => {
  it('recognises URLs, git addresses, ref queries and host-name paths', () => {
    for (const entry of [
      'https://github.com/org/repo//deploy?ref=v1',
      'http://example.com/manifest.yaml',
      'ssh://git@example.com/org/repo.git',
      'git::https://example.com/org/repo',
      'file:///srv/repo',
      'git@github.com:org/repo.git//base',
      'github.com/org/repo/base',
      'gitlab.example.com/org/repo',
      'base?ref=main',
    ]) {
      assert.equal(looksRemote(entry), true, entry);
    }
  });

  it('leaves local paths alone, including a local folder whose name has a dot', () => {
    for (const entry of ['../base', 'deployment.yaml', 'overlays/prod', './components/x', 'v1.2']) {
      assert.equal(looksRemote(entry), false, entry);
    }
    assert.equal(looksRemote('config.d/base', true), false);
    assert.equal(looksRemote('config.d/base', false), true);
  });
});

describe('kustomization references', () => {
  it('lists folders and files kustomize would load, and skips inline patches and literals', () => {
    const refs = kustomizationRefs({
      resources: ['../base', 'svc.yaml'],
      bases: ['../old'],
      components: ['../components/tls'],
      crds: ['crd.yaml'],
      patchesStrategicMerge: ['patch.yaml', 'apiVersion: v1\nkind: X\n'],
      patches: [{ path: 'p.yaml' }, { patch: 'inline' }],
      configMapGenerator: [
        { name: 'c', files: ['app.conf=conf/app.conf', 'raw.txt'], envs: ['a.env'], literals: ['k=v'] },
      ],
      secretGenerator: [{ name: 's', env: 's.env' }],
      openapi: { path: 'schema.json' },
      commonAnnotations: { docs: 'https://example.com' },
    });
    assert.deepEqual(
      refs.map(({ field, entry, mayBeFolder }) => `${field}:${entry}:${mayBeFolder ? 'folder' : 'file'}`),
      [
        'resources:../base:folder',
        'resources:svc.yaml:folder',
        'bases:../old:folder',
        'components:../components/tls:folder',
        'crds:crd.yaml:file',
        'patchesStrategicMerge:patch.yaml:file',
        'patches:p.yaml:file',
        'configMapGenerator:conf/app.conf:file',
        'configMapGenerator:raw.txt:file',
        'configMapGenerator:a.env:file',
        'secretGenerator:s.env:file',
        'openapi:schema.json:file',
      ],
    );
  });

  it('returns nothing for an empty or odd file', () => {
    assert.deepEqual(kustomizationRefs(null), []);
    assert.deepEqual(kustomizationRefs({ resources: 'not-a-list' }), []);
  });
});
