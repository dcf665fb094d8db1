import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  chartDependencies,
  defaultReleaseName,
  helmTemplateArgs,
  isVendored,
} from '../../../src/render/helm-args.js';

const base = {
  releaseName: 'web',
  chartDir: '/repo/apps/web',
  namespace: 'shop',
  kubeVersion: '1.36.3',
  valueFiles: ['/repo/apps/web/values-prod.yaml', '/tmp/w/inline-values.json'],
  apiVersions: ['monitoring.coreos.com/v1'],
  includeCRDs: true,
};

describe('helm template arguments', () => {
  it('passes every value as --flag=value, value files in order', () => {
    assert.deepEqual(helmTemplateArgs(base), [
      'template',
      'web',
      '/repo/apps/web',
      '--namespace=shop',
      '--kube-version=1.36.3',
      '--values=/repo/apps/web/values-prod.yaml',
      '--values=/tmp/w/inline-values.json',
      '--api-versions=monitoring.coreos.com/v1',
      '--include-crds',
    ]);
    assert.ok(!helmTemplateArgs({ ...base, includeCRDs: false }).includes('--include-crds'));
  });

  it('refuses inputs that are not names or versions', () => {
    assert.throws(
      () => helmTemplateArgs({ ...base, releaseName: '--set=x' }),
      /release name "--set=x" is not valid/,
    );
    assert.throws(() => helmTemplateArgs({ ...base, releaseName: 'a'.repeat(54) }), /at most 53/);
    assert.throws(() => helmTemplateArgs({ ...base, namespace: 'Shop' }), /namespace "Shop"/);
    assert.throws(() => helmTemplateArgs({ ...base, kubeVersion: 'latest' }), /kube version "latest"/);
    assert.throws(() => helmTemplateArgs({ ...base, apiVersions: ['-x'] }), /API version "-x"/);
    assert.doesNotThrow(() => helmTemplateArgs({ ...base, kubeVersion: 'v1.36.3-rc.1' }));
  });

  it('derives a release name from the app folder', () => {
    assert.equal(defaultReleaseName('apps/My_Web'), 'my-web');
    assert.equal(defaultReleaseName(''), 'release');
    assert.equal(defaultReleaseName(`apps/${'x'.repeat(60)}`).length, 53);
  });
});

describe('chart dependencies', () => {
  it('reads names and repositories from Chart.yaml', () => {
    assert.deepEqual(
      chartDependencies({
        dependencies: [
          { name: 'common', repository: 'file://../common' },
          { name: 'redis' },
          { repository: 'https://x' },
        ],
      }),
      [
        { name: 'common', repository: 'file://../common' },
        { name: 'redis', repository: '' },
      ],
    );
    assert.deepEqual(chartDependencies({ name: 'no-deps' }), []);
  });

  it('recognises a vendored folder or archive under charts/', () => {
    assert.equal(isVendored('redis', ['redis-18.0.0.tgz']), true);
    assert.equal(isVendored('redis', ['redis']), true);
    assert.equal(isVendored('redis', ['redis-cluster-1.0.0.tgz']), false);
    assert.equal(isVendored('redis', []), false);
  });
});
