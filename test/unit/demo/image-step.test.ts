import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { parseImagePolicy } from '../../../src/crd/image-policy.js';
import { parseImageRepository } from '../../../src/crd/image-repository.js';
import { parseImageUpdateAutomation } from '../../../src/crd/imageupdateautomation.js';
import { DEMO_NAMESPACE } from '../../../src/demo/apps.js';
import { IMAGE_DEMO_APP, imageAutomationObjects, REGISTRY_MISSING } from '../../../src/demo/image-step.js';
import { findRegistryBinary } from '../../../src/devcluster/local-registry.js';
import { editImages } from '../../../src/image/update/edit.js';

describe('demo: image automation step', () => {
  it('creates valid ImageRepository, ImagePolicy and ImageUpdateAutomation objects for the loopback registry', () => {
    const [repository, policy, automation] = imageAutomationObjects(
      '127.0.0.1:5123',
      'http://127.0.0.1:9/config.git',
    );
    const repo = parseImageRepository(repository ?? { apiVersion: '', kind: '', metadata: { name: '' } });
    assert.equal(repo.spec.image, '127.0.0.1:5123/demo/web');
    assert.equal(repo.spec.insecure, true);
    assert.equal(
      parseImagePolicy(policy ?? { apiVersion: '', kind: '', metadata: { name: '' } }).spec.imageRepositoryRef
        .name,
      'web',
    );
    const parsed = parseImageUpdateAutomation(
      automation ?? { apiVersion: '', kind: '', metadata: { name: '' } },
    );
    assert.deepEqual(parsed.spec.update.paths, [IMAGE_DEMO_APP.path]);
    assert.equal(parsed.metadata.namespace, DEMO_NAMESPACE);
  });

  it("the example app's marker names the demo's policy, so a chosen image changes only that line", async () => {
    const source = await readFile(
      join(packageRoot(), 'examples', IMAGE_DEMO_APP.path, 'deployment.yaml'),
      'utf8',
    );
    const image = '127.0.0.1:5123/demo/web:1.0.7';
    const result = editImages(
      source,
      new Map([[`${DEMO_NAMESPACE}/web`, { image, name: '127.0.0.1:5123/demo/web', tag: '1.0.7' }]]),
      DEMO_NAMESPACE,
    );
    assert.equal(result.changes.length, 1);
    assert.equal(result.content, source.replace('registry.example.com/demo/web:0.0.0', image));
  });

  it('says how to install the registry when it is missing', () => {
    assert.match(REGISTRY_MISSING, /apt-get install docker-registry/);
    assert.equal(findRegistryBinary({ MOORING_REGISTRY_BINARY: '/nonexistent/docker-registry' }), undefined);
  });
});
