import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { assertNoEscapingSymlinks, confinedPath, isInside } from '../../../src/render/confine.js';

/** A temp folder with repo/ (app/a.yaml) and outside/secret.yaml beside it. */
async function layout(t: TestContext): Promise<{ root: string; outside: string }> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'mooring-confine-')));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'repo');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'app'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'app', 'a.yaml'), 'a: 1\n');
  await writeFile(join(outside, 'secret.yaml'), 'secret: 1\n');
  return { root, outside };
}

function unsafe(pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof MooringError);
    assert.equal(error.code, 'UNSAFE_INPUT');
    assert.equal(error.step, 'render');
    assert.ok((error.hint ?? '').length > 0);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('confinedPath', () => {
  it('returns the real path of a file inside the checkout, and of one not created yet', async (t) => {
    const { root } = await layout(t);
    assert.equal(await confinedPath(root, 'app/a.yaml'), join(root, 'app', 'a.yaml'));
    assert.equal(await confinedPath(root, 'app/../app/./a.yaml'), join(root, 'app', 'a.yaml'));
    assert.equal(await confinedPath(root, 'app/new/b.yaml'), join(root, 'app', 'new', 'b.yaml'));
    assert.equal(await confinedPath(root, ''), root);
  });

  it('refuses ".." that leaves the checkout', async (t) => {
    const { root } = await layout(t);
    await assert.rejects(
      confinedPath(root, '../outside/secret.yaml'),
      unsafe(/leads outside the checkout through "\.\."/),
    );
    await assert.rejects(confinedPath(root, 'app/../../repo2'), unsafe(/through "\.\."/));
  });

  it('refuses absolute paths', async (t) => {
    const { root } = await layout(t);
    await assert.rejects(confinedPath(root, join(root, 'app', 'a.yaml')), unsafe(/is absolute/));
  });

  it('refuses a symlinked file that leads outside', async (t) => {
    const { root, outside } = await layout(t);
    await symlink(join(outside, 'secret.yaml'), join(root, 'app', 'link.yaml'));
    await assert.rejects(
      confinedPath(root, 'app/link.yaml'),
      unsafe(/is a symlink .* to .*outside\/secret\.yaml/),
    );
  });

  it('refuses a path below a symlinked folder that leads outside, even when the file does not exist', async (t) => {
    const { root, outside } = await layout(t);
    await symlink(outside, join(root, 'app', 'linked'));
    await assert.rejects(confinedPath(root, 'app/linked/secret.yaml'), unsafe(/symlinked folder/));
    await assert.rejects(confinedPath(root, 'app/linked/missing/x.yaml'), unsafe(/symlinked folder/));
  });

  it('allows a symlink that stays inside', async (t) => {
    const { root } = await layout(t);
    await symlink(join(root, 'app', 'a.yaml'), join(root, 'inside.yaml'));
    assert.equal(await confinedPath(root, 'inside.yaml'), join(root, 'app', 'a.yaml'));
  });

  it('works when the root itself is reached through a symlink', async (t) => {
    const { root } = await layout(t);
    const alias = `${root}-alias`;
    await symlink(root, alias);
    t.after(() => rm(alias, { force: true }));
    assert.equal(await confinedPath(alias, 'app/a.yaml'), join(root, 'app', 'a.yaml'));
  });
});

describe('assertNoEscapingSymlinks', () => {
  it('passes a folder whose symlinks stay inside', async (t) => {
    const { root } = await layout(t);
    await symlink(join(root, 'app', 'a.yaml'), join(root, 'app', 'b.yaml'));
    await symlink('..', join(root, 'app', 'up'));
    await assert.doesNotReject(assertNoEscapingSymlinks(root, join(root, 'app')));
  });

  it('refuses a symlink deep inside that leads outside, dangling or not', async (t) => {
    const { root, outside } = await layout(t);
    await mkdir(join(root, 'app', 'deep', 'er'), { recursive: true });
    await symlink(join(outside, 'secret.yaml'), join(root, 'app', 'deep', 'er', 'x.yaml'));
    await assert.rejects(
      assertNoEscapingSymlinks(root, join(root, 'app')),
      unsafe(/app\/deep\/er\/x\.yaml" is a symlink/),
    );
    await rm(join(root, 'app', 'deep', 'er', 'x.yaml'));
    await symlink('/nonexistent/elsewhere', join(root, 'app', 'dangling'));
    await assert.rejects(assertNoEscapingSymlinks(root, join(root, 'app')), unsafe(/dangling" is a symlink/));
  });

  it('looks into an inside symlinked folder for links that escape from there', async (t) => {
    const { root, outside } = await layout(t);
    await mkdir(join(root, 'shared'));
    await symlink(join(outside, 'secret.yaml'), join(root, 'shared', 'x.yaml'));
    await symlink(join(root, 'shared'), join(root, 'app', 'shared'));
    await assert.rejects(
      assertNoEscapingSymlinks(root, join(root, 'app')),
      unsafe(/shared\/x\.yaml" is a symlink/),
    );
  });
});

describe('isInside', () => {
  it('tells a child from a sibling that shares a prefix', () => {
    assert.equal(isInside('/r/repo', '/r/repo'), true);
    assert.equal(isInside('/r/repo', '/r/repo/a/b'), true);
    assert.equal(isInside('/r/repo', '/r/repo2/a'), false);
    assert.equal(isInside('/r/repo', '/r'), false);
    assert.equal(isInside('/r/repo', '/r/repo/..foo'), true);
  });
});
