import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { render } from '../../../src/render/index.js';
import type { DirectoryOptions, RenderInput } from '../../../src/render/types.js';
import { checkout, renderTools } from './checkout.js';

function input(root: string, path: string, directory: DirectoryOptions = {}): RenderInput {
  return { root, path, namespace: 'web', options: { directory }, tools: renderTools() };
}

function names(result: { objects: { object: { kind: string; metadata: { name: string } } }[] }): string[] {
  return result.objects.map(({ object }) => `${object.kind}/${object.metadata.name}`);
}

describe('directory renderer', () => {
  it('reads YAML and JSON files recursively in sorted order, skipping hidden folders', async (t) => {
    const { root } = await checkout(t, 'directory');
    const result = await render(input(root, 'app'));
    assert.equal(result.renderer, 'directory');
    assert.deepEqual(names(result), [
      'ConfigMap/from-json',
      'ServiceAccount/first',
      'ServiceAccount/second',
      'ConfigMap/test-only',
      'Service/web',
      'Deployment/web',
    ]);
    assert.deepEqual(result.objects[1]?.origin, { file: 'app/sub/deeper/list.yml', document: 1, line: 4 });
    assert.deepEqual(result.objects[5]?.origin, { file: 'app/web.yaml', document: 3, line: 10 });
  });

  it('filters with include and exclude globs, and stays in the top folder without recursion', async (t) => {
    const { root } = await checkout(t, 'directory');
    assert.deepEqual(names(await render(input(root, 'app', { exclude: ['*.test.yaml', 'sub/deeper/**'] }))), [
      'ConfigMap/from-json',
      'Service/web',
      'Deployment/web',
    ]);
    assert.deepEqual(names(await render(input(root, 'app', { include: ['sub/**/*.json'] }))), [
      'ConfigMap/from-json',
    ]);
    assert.deepEqual(names(await render(input(root, 'app', { recurse: false }))), [
      'Service/web',
      'Deployment/web',
    ]);
  });

  it('reports broken YAML with the file, the document and the line', async (t) => {
    const { root } = await checkout(t, 'directory');
    const broken =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\nkind: ConfigMap\ndata:\n  key: [unclosed\n';
    await writeFile(join(root, 'app', 'sub', 'broken.yaml'), broken);
    await assert.rejects(render(input(root, 'app')), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'INVALID_MANIFEST');
      assert.match(
        (error as Error).message,
        /^app\/sub\/broken\.yaml: document 2: YAML syntax error at line 8, column 1: /,
      );
      return true;
    });
  });

  it('refuses the same object defined in two files, naming both', async (t) => {
    const { root } = await checkout(t, 'directory');
    await writeFile(
      join(root, 'app', 'zz-copy.yaml'),
      '\n\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n',
    );
    await assert.rejects(
      render(input(root, 'app')),
      /duplicate object Service\/web: defined in app\/web\.yaml document 1 \(line 2\) and again in app\/zz-copy\.yaml document 1 \(line 3\)/,
    );
  });

  it('refuses a symlinked file or folder that leads outside the checkout', async (t) => {
    const { root, outside } = await checkout(t, 'directory');
    await symlink(join(outside, 'secret.yaml'), join(root, 'app', 'sub', 'secret.yaml'));
    await assert.rejects(
      render(input(root, 'app')),
      /app\/sub\/secret\.yaml" is a symlink that leads outside the checkout/,
    );
    const second = await checkout(t, 'directory');
    await symlink(second.outside, join(second.root, 'app', 'linked'));
    await assert.rejects(render(input(second.root, 'app')), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'UNSAFE_INPUT');
      return true;
    });
    await assert.rejects(
      render(input(second.root, 'app/linked')),
      /lies in a symlinked folder\) that leads outside/,
    );
  });

  it('follows symlinks that stay inside the checkout', async (t) => {
    const { root } = await checkout(t, 'directory');
    await mkdir(join(root, 'shared'));
    await writeFile(
      join(root, 'shared', 'extra.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata: {name: shared}\n',
    );
    await symlink(join(root, 'shared'), join(root, 'app', 'shared'));
    assert.ok(names(await render(input(root, 'app'))).includes('Secret/shared'));
  });

  it('uses the renderer the options force instead of the detected one', async (t) => {
    const { root } = await checkout(t, '.');
    const forced = await render({
      ...input(root, 'kustomize/base', { exclude: ['kustomization.yaml'] }),
      options: { kind: 'directory', directory: { exclude: ['kustomization.yaml'] } },
    });
    assert.equal(forced.renderer, 'directory');
    assert.deepEqual(names(forced), ['Deployment/web']);
    assert.equal(forced.objects[0]?.object.metadata.labels, undefined);
  });

  it('stops at the output limit, for files and for tools', async (t) => {
    const { root } = await checkout(t, '.');
    const small = { limits: { maxOutputBytes: 100 } };
    await assert.rejects(
      render({ ...input(root, 'directory/app'), ...small }),
      /directory directory\/app holds more than the 100 bytes/,
    );
    await assert.rejects(render({ ...input(root, 'kustomize/overlays/dev'), ...small }), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'RENDER_FAILED');
      assert.equal(
        (error as Error).message,
        'the kustomize render of kustomize/overlays/dev produced 279 bytes, more than the limit of 100 bytes',
      );
      return true;
    });
  });

  it('refuses an app path that leaves the checkout', async (t) => {
    const { root } = await checkout(t, 'directory');
    await assert.rejects(render(input(root, '../outside')), /leads outside the checkout through/);
  });
});
