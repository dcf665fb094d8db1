import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { render } from '../../../src/render/index.js';
import type { HelmOptions, RenderInput } from '../../../src/render/types.js';
import { checkout, renderTools } from './checkout.js';

function input(root: string, path: string, helm: HelmOptions = {}): RenderInput {
  return { root, path, namespace: 'shop', options: { helm }, tools: renderTools() };
}

const execFileAsync = promisify(execFile);

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

describe('helm renderer', () => {
  it('renders a chart with value files, inline values, a file:// dependency and the cluster version', async (t) => {
    const { root } = await checkout(t, 'helm');
    const result = await render(
      input(root, 'web', {
        releaseName: 'shop-web',
        valueFiles: ['values-prod.yaml'],
        values: { size: 'large' },
      }),
    );
    assert.equal(result.renderer, 'helm');
    const names = result.objects.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort();
    assert.deepEqual(names, ['ConfigMap/shop-web-settings', 'ServiceAccount/shop-web-common']);
    const settings = result.objects.find(({ object }) => object.kind === 'ConfigMap')?.object;
    assert.deepEqual(settings?.data, {
      kubeVersion: 'v1.36.3',
      kubeMinor: '36',
      replicas: '3',
      color: 'red',
      size: 'large',
    });
    assert.equal(settings.metadata.namespace, 'shop');
    assert.match(result.objects[0]?.origin?.source ?? '', /templates\//);
    // The dependency was attached in memory: nothing was added to the checkout.
    assert.deepEqual((await readdir(join(root, 'web'))).sort(), [
      'Chart.yaml',
      'templates',
      'values-prod.yaml',
      'values.yaml',
    ]);
  });

  it('reports the kube version it was asked for', async (t) => {
    const { root } = await checkout(t, 'helm');
    const result = await render(input(root, 'web', { kubeVersion: '1.35.0' }));
    const settings = result.objects.find(({ object }) => object.kind === 'ConfigMap')?.object;
    assert.equal((settings?.data as Record<string, string>).kubeVersion, 'v1.35.0');
    assert.equal(settings?.metadata.name, 'web-settings');
  });

  it('refuses a value file outside the checkout', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await writeFile(join(outside, 'values.yaml'), 'color: green\n');
    await assert.rejects(
      render(input(root, 'web', { valueFiles: ['../../outside/values.yaml'] })),
      (error: unknown) => {
        assert.equal(codeOf(error), 'UNSAFE_INPUT');
        assert.match((error as Error).message, /"\.\.\/outside\/values\.yaml" leads outside the checkout/);
        return true;
      },
    );
    await assert.rejects(
      render(input(root, 'web', { valueFiles: [join(outside, 'values.yaml')] })),
      /is an absolute path/,
    );
  });

  it('refuses a value file that is a symlink leading outside the checkout', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await writeFile(join(outside, 'values.yaml'), 'color: green\n');
    await symlink(join(outside, 'values.yaml'), join(root, 'web', 'values-linked.yaml'));
    await assert.rejects(
      render(input(root, 'web', { valueFiles: ['values-linked.yaml'] })),
      (error: unknown) => {
        assert.equal(codeOf(error), 'UNSAFE_INPUT');
        assert.match((error as Error).message, /values-linked\.yaml.*outside the checkout/);
        return true;
      },
    );
  });

  it('refuses a template that is a symlink leading outside the checkout', async (t) => {
    const { root, outside } = await checkout(t, 'helm');
    await symlink(join(outside, 'secret.yaml'), join(root, 'web', 'templates', 'stolen.yaml'));
    await assert.rejects(
      render(input(root, 'web')),
      /"web\/templates\/stolen\.yaml" leads outside the checkout \(through '\.\.' or a symlink\)/,
    );
  });

  it("reports a template error with helm's own message", async (t) => {
    const { root } = await checkout(t, 'helm');
    await assert.rejects(render(input(root, 'broken')), (error: unknown) => {
      assert.equal(codeOf(error), 'RENDER_FAILED');
      assert.match(
        (error as Error).message,
        /^helm template failed: execution error at \(broken\/templates\/configmap\.yaml:6:13\)/,
      );
      assert.match((error as Error).message, /value is required by the broken chart/);
      return true;
    });
  });

  it('refuses a remote dependency that is not vendored under charts/', async (t) => {
    const { root } = await checkout(t, 'helm');
    await assert.rejects(render(input(root, 'remote-dep')), (error: unknown) => {
      assert.equal(codeOf(error), 'UNSAFE_INPUT');
      assert.match(
        (error as Error).message,
        /dependency "redis" comes from https:\/\/charts\.example\.com\/stable/,
      );
      return true;
    });
  });

  it('refuses a file:// dependency outside the checkout', async (t) => {
    const { root } = await checkout(t, 'helm');
    const chart =
      'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - {name: common, version: 0.1.0, repository: "file://../../outside"}\n';
    await writeFile(join(root, 'web', 'Chart.yaml'), chart);
    await assert.rejects(
      render(input(root, 'web')),
      /web\/Chart\.yaml: dependency "common" \(file:\/\/\.\.\/\.\.\/outside\) is outside the checkout/,
    );
  });

  it('refuses a release name that could pass for a flag', async (t) => {
    const { root } = await checkout(t, 'helm');
    await assert.rejects(
      render(input(root, 'web', { releaseName: '--post-renderer=/bin/sh' })),
      (error: unknown) => {
        assert.equal(codeOf(error), 'INVALID_ARGUMENT');
        return true;
      },
    );
  });

  it('leaves no temporary folders behind, after success and after failure', async (t) => {
    const { root } = await checkout(t, 'helm');
    // A private TMPDIR: other test files render in parallel into the shared one.
    const privateTmp = await mkdtemp(join(tmpdir(), 'mooring-tmpdir-'));
    const savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    t.after(async () => {
      if (savedTmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmpdir;
      await rm(privateTmp, { recursive: true, force: true });
    });
    await render(input(root, 'web'));
    await assert.rejects(render(input(root, 'broken')));
    assert.deepEqual(await readdir(privateTmp), []);
  });

  it('refuses a library chart and warns about a deprecated one, as helm template does', async (t) => {
    const { root } = await checkout(t, 'helm');
    await writeFile(
      join(root, 'common', 'Chart.yaml'),
      'apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n',
    );
    await assert.rejects(
      render(input(root, 'common')),
      /common\/Chart\.yaml: library charts are not installable/,
    );
    await writeFile(
      join(root, 'common', 'Chart.yaml'),
      'apiVersion: v2\nname: common\nversion: 0.1.0\ndeprecated: true\n',
    );
    const result = await render(input(root, 'common'));
    assert.deepEqual(result.warnings, ['warning: the chart common is deprecated']);
  });

  it('loads vendored sub-charts under charts/, as folders and as .tgz archives', async (t) => {
    const { root } = await checkout(t, 'helm');
    await writeFile(
      join(root, 'web', 'Chart.yaml'),
      'apiVersion: v2\nname: web\nversion: 0.1.0\n' +
        'dependencies:\n  - name: common\n    version: 0.1.0\n    repository: https://charts.example.com\n',
    );
    await mkdir(join(root, 'web', 'charts'));
    await execFileAsync('tar', [
      '-czf',
      join(root, 'web', 'charts', 'common-0.1.0.tgz'),
      '-C',
      root,
      'common',
    ]);
    const names = (await render(input(root, 'web'))).objects.map(({ object }) => object.metadata.name);
    assert.ok(names.includes('web-common'), names.join(', '));
    await rm(join(root, 'web', 'charts', 'common-0.1.0.tgz'));
    await cp(join(root, 'common'), join(root, 'web', 'charts', 'common'), { recursive: true });
    const again = (await render(input(root, 'web'))).objects.map(({ object }) => object.metadata.name);
    assert.deepEqual(again.sort(), names.sort());
  });
});
