import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { findRenderHelper, renderHelperKey } from '../../../src/devcluster/render-helper.js';

describe('render helper location', () => {
  it('computes the same source key as scripts/toolchain.sh', () => {
    const script = join(packageRoot(), 'scripts', 'toolchain.sh');
    // The script's own helper_key function, run without building anything.
    const fromScript = execFileSync(
      'bash',
      [
        '-c',
        `here="$(dirname "$1")"; eval "$(sed -n '/^helper_key()/,/^}/p' "$1")"; helper_key`,
        'key',
        script,
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.match(fromScript, /^[0-9a-f]{16}$/);
    assert.equal(renderHelperKey(), fromScript);
  });

  it('finds the binary built for these sources, and only that one', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'mooring-helper-test-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const stale = join(root, '0123456789abcdef-go1.26.0');
    await mkdir(stale);
    await writeFile(join(stale, 'mooring-render'), '#!/bin/sh\n');
    await chmod(join(stale, 'mooring-render'), 0o755);
    assert.equal(findRenderHelper({ MOORING_RENDER_HELPER_DIR: root }), undefined);
    const current = join(root, `${renderHelperKey()}-go1.26.8`);
    await mkdir(current);
    await writeFile(join(current, 'mooring-render'), '#!/bin/sh\n');
    assert.equal(findRenderHelper({ MOORING_RENDER_HELPER_DIR: root }), undefined, 'not executable');
    await chmod(join(current, 'mooring-render'), 0o755);
    assert.equal(findRenderHelper({ MOORING_RENDER_HELPER_DIR: root }), join(current, 'mooring-render'));
    assert.equal(
      findRenderHelper({ MOORING_RENDER_HELPER: join(stale, 'mooring-render') }),
      join(stale, 'mooring-render'),
    );
  });
});
