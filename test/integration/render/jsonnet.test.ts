import assert from 'node:assert/strict';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { render } from '../../../src/render/index.js';
import type { JsonnetOptions, RenderInput } from '../../../src/render/types.js';
import { checkout, renderTools } from './checkout.js';

function input(root: string, path: string, jsonnet: JsonnetOptions = {}, timeoutMs?: number): RenderInput {
  return {
    root,
    path,
    namespace: 'web',
    options: { jsonnet },
    tools: renderTools(),
    ...(timeoutMs === undefined ? {} : { limits: { timeoutMs } }),
  };
}

const appOptions: JsonnetOptions = { tlas: { replicas: '4' }, extVars: { env: 'prod' }, libPaths: ['lib'] };

describe('jsonnet renderer', () => {
  it('renders with a top-level argument, an external variable and a -J library', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    const result = await render(input(root, 'app', appOptions));
    assert.equal(result.renderer, 'jsonnet');
    const byKind = new Map(result.objects.map(({ object }) => [object.kind, object]));
    assert.equal(byKind.get('ConfigMap')?.metadata.name, 'settings-prod');
    assert.deepEqual(byKind.get('ConfigMap')?.metadata.labels, {
      app: 'web',
      'app.kubernetes.io/managed-by': 'mooring',
    });
    assert.deepEqual(byKind.get('Deployment')?.spec, { replicas: 4 });
    assert.deepEqual(
      result.objects.map(({ origin }) => origin?.source),
      ['output .config', 'output .deployment'],
    );
    assert.equal(result.objects[0]?.origin?.file, 'app/main.jsonnet');
  });

  it('refuses an import that leads outside the checkout', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    await writeFile(join(root, 'app', 'main.jsonnet'), "importstr '../../outside/secret.yaml'\n");
    await assert.rejects(render(input(root, 'app')), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'UNSAFE_INPUT');
      assert.match(
        (error as Error).message,
        /"\.\.\/outside\/secret\.yaml" leads outside the checkout[^]*import "\.\.\/\.\.\/outside\/secret\.yaml"[^]*app\/main\.jsonnet:1/,
      );
      return true;
    });
  });

  it('refuses a library symlink that leads outside the checkout', async (t) => {
    const { root, outside } = await checkout(t, 'jsonnet');
    await writeFile(join(outside, 'evil.libsonnet'), '{}\n');
    await symlink(join(outside, 'evil.libsonnet'), join(root, 'lib', 'evil.libsonnet'));
    await writeFile(join(root, 'app', 'main.jsonnet'), "import 'evil.libsonnet'\n");
    await assert.rejects(
      render(input(root, 'app', appOptions)),
      /"lib\/evil\.libsonnet" leads outside the checkout \(through '\.\.' or a symlink\)/,
    );
  });

  it('refuses a library folder outside the checkout', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    await assert.rejects(
      render(input(root, 'app', { ...appOptions, libPaths: ['../outside'] })),
      /leads outside the checkout/,
    );
  });

  it('stops a program that runs past the time limit and says so', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    const started = Date.now();
    await assert.rejects(render(input(root, 'loop', {}, 1500)), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'RENDER_FAILED');
      assert.equal((error as Error).message, 'jsonnet render exceeded 1.5 s');
      return true;
    });
    t.diagnostic(`render stopped after ${Date.now() - started} ms (limit 1.5 s)`);
  });

  it('reports a jsonnet error with its message', async (t) => {
    const { root } = await checkout(t, 'jsonnet');
    await writeFile(join(root, 'app', 'main.jsonnet'), "{ a: error 'the program is broken' }\n");
    await assert.rejects(render(input(root, 'app')), (error: unknown) => {
      assert.match(
        (error as Error).message,
        /^jsonnet evaluation of app\/main\.jsonnet failed: RUNTIME ERROR: the program is broken\n\tapp\/main\.jsonnet:1/,
      );
      return true;
    });
  });
});
