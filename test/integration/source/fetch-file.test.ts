import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { git } from '../../../src/devgit/git-cli.js';
import { fetchSource } from '../../../src/source/index.js';
import { sourceFixture } from './fixture.js';
import type { SourceFixture } from './fixture.js';

function sourceFailed(pattern: RegExp, hint?: RegExp) {
  return (error: unknown): boolean =>
    error instanceof MooringError &&
    error.code === 'SOURCE_FAILED' &&
    error.step === 'source' &&
    pattern.test(error.message) &&
    (hint === undefined || hint.test(error.hint ?? ''));
}

describe('fetchSource over file://', () => {
  let f: SourceFixture;
  let firstCommit: string;
  let head: string;

  before(async () => {
    f = await sourceFixture();
    firstCommit = await git(f.repo.dir, ['rev-parse', 'HEAD~1']);
    await f.repo.tag('v0.9.0', firstCommit);
    await f.repo.tag('v1.0.0-rc.9', firstCommit);
    await f.repo.writeFile('apps/web/version.txt', 'rc.10\n');
    await f.repo.commit('rc.10');
    await f.repo.tag('v1.0.0-rc.10');
    await f.repo.writeFile('apps/web/version.txt', 'main\n');
    head = await f.repo.commit('after rc.10');
    await f.repo.push('main');
  });
  after(() => f.cleanup());

  it('resolves a branch, exports the tree and reports the commit and tree hashes', async () => {
    const source = await fetchSource(
      { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: './apps/web/' },
      f.cacheDir,
    );
    assert.equal(source.resolvedRef, 'main');
    assert.equal(source.commit.sha, head);
    assert.equal(source.commit.subject, 'after rc.10');
    assert.equal(source.commit.authorName, 'Mooring Test');
    assert.equal(source.commit.authorEmail, 'test@mooring.invalid');
    assert.ok(!Number.isNaN(Date.parse(source.commit.authorDate)));
    assert.equal(source.path, 'apps/web');
    assert.equal(dirname(source.root), join(f.cacheDir, 'exports'));
    assert.ok(basename(source.root).startsWith(`${head}.`), 'the export is named after its commit');
    assert.equal(source.appDir, join(source.root, 'apps', 'web'));
    assert.equal(source.displayURL, f.repo.fileUrl);
    assert.equal(source.rootTreeHash, await git(f.repo.dir, ['rev-parse', 'HEAD^{tree}']));
    assert.equal(source.pathTreeHash, await git(f.repo.dir, ['rev-parse', 'HEAD:apps/web']));
    assert.equal(await readFile(join(source.appDir, 'version.txt'), 'utf8'), 'main\n');
    assert.match(await readFile(join(source.root, 'apps', 'api', 'service.yaml'), 'utf8'), /kind: Service/);
    assert.deepEqual(
      (await readdir(join(f.cacheDir, 'exports'))).filter((n) => n.startsWith('.')),
      [],
    );
    await source.release();
    await assert.rejects(lstat(source.root), { code: 'ENOENT' });
    assert.ok(!(await readdir(join(f.cacheDir, 'exports'))).includes(basename(source.root)));
  });

  it('keeps symlinks as symlinks in the export, even one that escapes', async () => {
    const source = await fetchSource(
      { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: 'apps/web' },
      f.cacheDir,
    );
    assert.ok((await lstat(join(source.appDir, 'api-link'))).isSymbolicLink());
    assert.equal(await readlink(join(source.appDir, 'api-link')), '../api');
    assert.equal(await readlink(join(source.appDir, 'escape')), '../../../../etc/passwd');
  });

  it('resolves an annotated tag to the commit it points at', async () => {
    const source = await fetchSource(
      { repoURL: f.repo.fileUrl, ref: { tag: 'v0.9.0' }, path: '' },
      f.cacheDir,
    );
    assert.equal(source.commit.sha, firstCommit);
    assert.equal(source.resolvedRef, 'v0.9.0');
    assert.equal(source.appDir, source.root);
    assert.equal(source.pathTreeHash, source.rootTreeHash);
  });

  it('resolves a semver range to the highest tag, with pre-releases only when the range names one', async () => {
    const fetch = (range: string) =>
      fetchSource({ repoURL: f.repo.fileUrl, ref: { semver: range }, path: '' }, f.cacheDir);
    assert.equal((await fetch('>=1.0.0-rc.0')).resolvedRef, 'v1.0.0-rc.10');
    assert.equal((await fetch('>=1.0.0-rc.0 <1.0.0-rc.10')).resolvedRef, 'v1.0.0-rc.9');
    assert.equal((await fetch('*')).resolvedRef, 'v0.9.0');
    assert.equal((await fetch('^0.9')).commit.sha, firstCommit);
    await assert.rejects(
      fetch('^2'),
      sourceFailed(/no tag of .* satisfies the semver range "\^2"/, /v0\.9\.0/),
    );
  });

  it('resolves a full and an abbreviated commit', async () => {
    const full = await fetchSource(
      { repoURL: f.repo.fileUrl, ref: { commit: firstCommit }, path: 'apps' },
      f.cacheDir,
    );
    assert.equal(full.commit.sha, firstCommit);
    assert.equal(full.resolvedRef, firstCommit);
    const short = await fetchSource(
      { repoURL: f.repo.fileUrl, ref: { commit: firstCommit.slice(0, 8).toUpperCase() }, path: 'apps' },
      f.cacheDir,
    );
    assert.equal(short.commit.sha, firstCommit);
    assert.equal(short.pathTreeHash, full.pathTreeHash);
  });

  it('fails with a hint when the commit does not exist', async () => {
    await assert.rejects(
      fetchSource({ repoURL: f.repo.fileUrl, ref: { commit: 'deadbeefdeadbeef' }, path: '' }, f.cacheDir),
      sourceFailed(/commit deadbeefdeadbeef not found in file:\/\//, /check the commit id/),
    );
  });

  it('fails with the path and a hint when the path does not exist at the commit', async () => {
    await assert.rejects(
      fetchSource({ repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: 'apps/x' }, f.cacheDir),
      sourceFailed(
        new RegExp(`^path apps/x not found at commit ${head.slice(0, 12)} of file://`),
        /check the path/,
      ),
    );
    await assert.rejects(
      fetchSource(
        { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: 'apps/web/version.txt' },
        f.cacheDir,
      ),
      sourceFailed(/is not a folder/),
    );
  });

  it('fails with the branches that exist when the branch does not', async () => {
    await assert.rejects(
      fetchSource({ repoURL: f.repo.fileUrl, ref: { branch: 'mian' }, path: '' }, f.cacheDir),
      sourceFailed(/^branch "mian" not found in file:\/\//, /check the branch name \(it has main\)/),
    );
  });

  it('fails plainly when the repository does not exist', async () => {
    await assert.rejects(
      fetchSource({ repoURL: `file://${f.root}/missing.git`, ref: { branch: 'main' }, path: '' }, f.cacheDir),
      sourceFailed(/does not exist/, /check the repository URL/),
    );
  });

  it('refuses unsafe input before running git', async () => {
    const cacheDir = join(f.root, 'unsafe-cache');
    const unsafe = (error: unknown) => error instanceof MooringError && error.code === 'UNSAFE_INPUT';
    await assert.rejects(
      fetchSource({ repoURL: 'ext::sh -c touch% /tmp/pwned', ref: { branch: 'main' }, path: '' }, cacheDir),
      unsafe,
    );
    await assert.rejects(
      fetchSource({ repoURL: f.repo.fileUrl, ref: { branch: '--upload-pack=x' }, path: '' }, cacheDir),
      unsafe,
    );
    await assert.rejects(
      fetchSource({ repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: '../x' }, cacheDir),
      unsafe,
    );
    await assert.rejects(lstat(cacheDir), { code: 'ENOENT' });
  });

  it('serialises concurrent fetches of one mirror and agrees on the commit', async () => {
    const spec = { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: 'apps/web' };
    const cacheDir = join(f.root, 'concurrent-cache');
    const results = await Promise.all([1, 2, 3].map(() => fetchSource(spec, cacheDir)));
    assert.deepEqual(new Set(results.map((r) => r.commit.sha)), new Set([head]));
    assert.equal((await readdir(join(cacheDir, 'mirrors'))).length, 1);
    // Each caller has an export of its own, so releasing one never removes a tree another still reads.
    assert.equal(new Set(results.map((r) => r.root)).size, 3);
    await results[0]?.release();
    for (const r of results.slice(1))
      assert.match(await readFile(join(r.appDir, 'version.txt'), 'utf8'), /main/);
    await Promise.all(results.map((r) => r.release()));
    assert.deepEqual(await readdir(join(cacheDir, 'exports')), []);
  });
});

describe('tree hashes and exports across commits', () => {
  it('keeps the path tree hash when only another folder changes, and changes it with the path', async (t) => {
    const f = await sourceFixture();
    t.after(() => f.cleanup());
    const spec = { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: 'apps/web' };
    const first = await fetchSource(spec, f.cacheDir);
    await f.repo.writeFile('apps/api/service.yaml', 'changed: true\n');
    await f.repo.commit('touch api only');
    await f.repo.push('main');
    const second = await fetchSource(spec, f.cacheDir);
    assert.notEqual(second.commit.sha, first.commit.sha);
    assert.notEqual(second.rootTreeHash, first.rootTreeHash);
    assert.equal(second.pathTreeHash, first.pathTreeHash);
    await f.repo.writeFile('apps/web/configmap.yaml', 'changed: true\n');
    await f.repo.commit('touch web');
    await f.repo.push('main');
    const third = await fetchSource(spec, f.cacheDir);
    assert.notEqual(third.pathTreeHash, second.pathTreeHash);
    assert.equal(await readFile(join(third.appDir, 'configmap.yaml'), 'utf8'), 'changed: true\n');
    // The older export is still there and unchanged until released: exports are per fetch.
    assert.match(await readFile(join(first.appDir, 'configmap.yaml'), 'utf8'), /kind: ConfigMap/);
  });

  it('exports the committed bytes whatever .gitattributes says (export-subst, export-ignore, eol)', async (t) => {
    const f = await sourceFixture();
    t.after(() => f.cleanup());
    await f.repo.writeFile(
      '.gitattributes',
      'subst.txt export-subst\nignored.txt export-ignore\ncrlf.txt eol=crlf\n',
    );
    await f.repo.writeFile('subst.txt', '$Format:%H$\n');
    await f.repo.writeFile('ignored.txt', 'still here\n');
    await f.repo.writeFile('crlf.txt', 'a\nb\n');
    await f.repo.commit('attributes');
    await f.repo.push('main');
    const source = await fetchSource(
      { repoURL: f.repo.fileUrl, ref: { branch: 'main' }, path: '' },
      f.cacheDir,
    );
    assert.equal(await readFile(join(source.root, 'subst.txt'), 'utf8'), '$Format:%H$\n');
    assert.equal(await readFile(join(source.root, 'ignored.txt'), 'utf8'), 'still here\n');
    assert.equal(await readFile(join(source.root, 'crlf.txt'), 'utf8'), 'a\nb\n');
  });

  it('follows a force-push that removes a branch tip, and prunes deleted branches', async (t) => {
    const f = await sourceFixture();
    t.after(() => f.cleanup());
    await f.repo.branch('feature');
    await f.repo.writeFile('feature.txt', 'x\n');
    await f.repo.commit('feature');
    await f.repo.push('feature');
    const spec = { repoURL: f.repo.fileUrl, ref: { branch: 'feature' }, path: '' };
    await fetchSource(spec, f.cacheDir);
    await git(f.repo.dir, ['push', '--quiet', 'origin', '--delete', 'feature']);
    await assert.rejects(fetchSource(spec, f.cacheDir), sourceFailed(/branch "feature" not found/));
  });
});
