import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { stringify } from 'yaml';

import type { KubeObject } from '../../../src/core/objects.js';
import { parseImagePolicy } from '../../../src/crd/image-policy.js';
import { parseImageRepository } from '../../../src/crd/image-repository.js';
import { installImageCrds } from '../../helpers/image-crds.js';
import { testNamespace } from '../../helpers/kube.js';
import { kubectl, kubectlOk } from '../crd/kubectl.js';

function manifest(kind: string, name: string, namespace: string, spec: unknown): string {
  return stringify({ apiVersion: 'mooring.dev/v1alpha1', kind, metadata: { name, namespace }, spec });
}

async function getObject(resource: string, name: string, namespace: string): Promise<KubeObject> {
  return JSON.parse(await kubectlOk(['get', resource, name, '-n', namespace, '-o', 'json'])) as KubeObject;
}

describe('image automation CRDs on a real API server', () => {
  before(installImageCrds);

  it('accepts a minimal ImageRepository and fills in the same defaults as the zod schema', async (t) => {
    const namespace = await testNamespace(t);
    const spec = { image: '127.0.0.1:5000/team/app' };
    await kubectlOk(
      ['apply', '--server-side', '-f', '-'],
      manifest('ImageRepository', 'app', namespace, spec),
    );
    const stored = await getObject('imagerepositories.mooring.dev', 'app', namespace);
    assert.deepEqual(stored.spec, {
      image: '127.0.0.1:5000/team/app',
      insecure: false,
      interval: '5m',
      timeout: '60s',
      exclusionList: ['^.*\\.sig$'],
    });
    assert.deepEqual(parseImageRepository(stored).spec, stored.spec);
  });

  it('refuses an image with a tag and a too-short interval, with the messages of the zod schema', async (t) => {
    const namespace = await testNamespace(t);
    const bad = manifest('ImageRepository', 'bad', namespace, {
      image: 'registry.example/app:1.0',
      interval: '1s',
    });
    const result = await kubectl(['apply', '--server-side', '-f', '-'], bad);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /image must be an image name without tag or digest/);
    assert.match(result.stderr, /must be a duration of at least 10s/);
  });

  it('accepts an ImagePolicy with one policy and refuses one with two', async (t) => {
    const namespace = await testNamespace(t);
    const good = {
      imageRepositoryRef: { name: 'app' },
      policy: { numerical: {} },
      filterTags: { pattern: '^main-(?P<ts>[0-9]+)-[a-f0-9]+$', extract: '$ts' },
    };
    await kubectlOk(['apply', '--server-side', '-f', '-'], manifest('ImagePolicy', 'app', namespace, good));
    const stored = await getObject('imagepolicies.mooring.dev', 'app', namespace);
    assert.deepEqual((stored.spec as { policy: unknown }).policy, { numerical: { order: 'asc' } });
    assert.equal((stored.spec as { digestPinning: unknown }).digestPinning, false);
    assert.deepEqual(parseImagePolicy(stored).spec, stored.spec);

    const two = {
      imageRepositoryRef: { name: 'app' },
      policy: { semver: { range: '^1' }, alphabetical: {} },
    };
    const result = await kubectl(
      ['apply', '--server-side', '-f', '-'],
      manifest('ImagePolicy', 'two', namespace, two),
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /set exactly one of semver, numerical or alphabetical/);
    assert.throws(
      () => parseImagePolicy(JSON.parse(JSON.stringify({ ...stored, spec: two })) as KubeObject),
      /set exactly one of semver, numerical or alphabetical/,
    );
  });
});
