import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { render } from '../../../src/render/index.js';
import type { RenderInput } from '../../../src/render/types.js';
import { checkout, renderTools } from './checkout.js';

function input(root: string, path: string, extra: Partial<RenderInput> = {}): RenderInput {
  return { root, path, namespace: 'web', options: {}, tools: renderTools(), ...extra };
}

function summary(
  objects: { object: { kind: string; metadata: { name: string }; spec?: unknown } }[],
): string[] {
  return objects.map(({ object }) => {
    const replicas = (object.spec as { replicas?: number } | undefined)?.replicas;
    return `${object.kind}/${object.metadata.name} replicas=${String(replicas)}`;
  });
}

describe('kustomize renderer', () => {
  it('renders dev and prod overlays of one base with their own prefix and replicas', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    const dev = await render(input(root, 'overlays/dev'));
    const prod = await render(input(root, 'overlays/prod'));
    assert.equal(dev.renderer, 'kustomize');
    assert.deepEqual(summary(dev.objects), ['Deployment/dev-web replicas=1']);
    assert.deepEqual(summary(prod.objects), ['Deployment/prod-web replicas=3']);
    assert.equal(prod.objects[0]?.object.metadata.labels?.app, 'web');
  });

  it('refuses a remote base: renders reach no network', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await assert.rejects(render(input(root, 'remote')), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(
        error.message,
        /refers to the remote "https:\/\/github\.com\/example\/config\/\/base\?ref=v1\.0\.0": remote bases are not allowed/,
      );
      assert.equal((error as { code?: string }).code, 'UNSAFE_INPUT');
      assert.match((error as { hint?: string }).hint ?? '', /vendor the base/);
      return true;
    });
  });

  it('refuses a remote base reached through a local base', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await writeFile(join(root, 'overlays', 'dev', 'kustomization.yaml'), 'resources: [../../remote]\n');
    await assert.rejects(
      render(input(root, 'overlays/dev')),
      /kustomization in overlays\/dev refers to the remote "https:\/\/github\.com\/example\/config\/\/base\?ref=v1\.0\.0"/,
    );
  });

  it('refuses a kustomization folder outside the checkout, which kustomize itself would load', async (t) => {
    const { root, outside } = await checkout(t, 'kustomize');
    await writeFile(join(outside, 'kustomization.yaml'), 'resources: [secret.yaml]\n');
    await writeFile(
      join(root, 'overlays', 'dev', 'kustomization.yaml'),
      'resources: [../../base, ../../../outside]\n',
    );
    await assert.rejects(render(input(root, 'overlays/dev')), /"\.\.\/outside" leads outside the checkout/);
  });

  it('refuses a symlink in the base that leads outside the checkout', async (t) => {
    const { root, outside } = await checkout(t, 'kustomize');
    await symlink(join(outside, 'secret.yaml'), join(root, 'base', 'secret.yaml'));
    await writeFile(join(root, 'base', 'kustomization.yaml'), 'resources: [deployment.yaml, secret.yaml]\n');
    await assert.rejects(render(input(root, 'overlays/prod')), (error: unknown) => {
      assert.match(
        (error as Error).message,
        /"base\/secret\.yaml" leads outside the checkout \(through '\.\.' or a symlink\)/,
      );
      assert.equal((error as { code?: string }).code, 'UNSAFE_INPUT');
      return true;
    });
  });

  it('reports kustomize failures with its own message', async (t) => {
    const { root } = await checkout(t, 'kustomize');
    await mkdir(join(root, 'missing'));
    await writeFile(join(root, 'missing', 'kustomization.yaml'), 'resources: [nothing-here.yaml]\n');
    await assert.rejects(render(input(root, 'missing')), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'RENDER_FAILED');
      assert.match(
        (error as Error).message,
        /^kustomize build failed: .*missing\/nothing-here\.yaml: no such file/s,
      );
      return true;
    });
  });
});
