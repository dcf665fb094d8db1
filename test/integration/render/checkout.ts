/** Test helpers: a throw-away checkout made from the render fixtures, and the toolchain's tool paths. */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { renderTools as resolveRenderTools } from '../../../src/devcluster/render-helper.js';
import type { RenderTools } from '../../../src/render/types.js';

export interface Checkout {
  /** The repository checkout: a copy of test/fixtures/render/<fixture>. */
  root: string;
  /** A folder beside the checkout with a file `secret.yaml` (a valid ConfigMap) that no render may read. */
  outside: string;
}

/** Copies a fixture folder into a temp checkout (removed after the test) with an "outside" folder beside it. */
export async function checkout(t: TestContext, fixture: string): Promise<Checkout> {
  const base = await mkdtemp(join(tmpdir(), 'mooring-render-test-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'repo');
  const outside = join(base, 'outside');
  await cp(join(packageRoot(), 'test', 'fixtures', 'render', fixture), root, { recursive: true });
  await mkdir(outside);
  await writeFile(
    join(outside, 'secret.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {token: do-not-read}\n',
  );
  return { root, outside };
}

/** The render helper; fails the test when it is not built. */
export function renderTools(): RenderTools {
  return resolveRenderTools();
}
