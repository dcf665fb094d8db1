import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { defaultReleaseName, validateHelmInputs } from '../../../src/render/helm-args.js';

const base = {
  releaseName: 'web',
  namespace: 'shop',
  kubeVersion: '1.36.3',
  apiVersions: ['monitoring.coreos.com/v1'],
  includeCRDs: true,
};

describe('helm inputs', () => {
  it('refuses inputs that are not names or versions', () => {
    assert.throws(() => {
      validateHelmInputs({ ...base, releaseName: '--set=x' });
    }, /release name "--set=x" is not valid/);
    assert.throws(() => {
      validateHelmInputs({ ...base, releaseName: 'a'.repeat(54) });
    }, /at most 53/);
    assert.throws(() => {
      validateHelmInputs({ ...base, namespace: 'Shop' });
    }, /namespace "Shop"/);
    assert.throws(() => {
      validateHelmInputs({ ...base, kubeVersion: 'latest' });
    }, /kube version "latest"/);
    assert.throws(() => {
      validateHelmInputs({ ...base, apiVersions: ['-x'] });
    }, /API version "-x"/);
    assert.doesNotThrow(() => {
      validateHelmInputs({ ...base, kubeVersion: 'v1.36.3-rc.1' });
    });
  });

  it('derives a release name from the app folder', () => {
    assert.equal(defaultReleaseName('apps/My_Web'), 'my-web');
    assert.equal(defaultReleaseName(''), 'release');
    assert.equal(defaultReleaseName(`apps/${'x'.repeat(60)}`).length, 53);
  });
});
