import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { git } from '../../src/devgit/git-cli.js';
import { startGitHttpServer } from '../../src/devgit/http-server.js';
import { WorkingRepo } from '../../src/devgit/repo.js';

async function fixture(root: string): Promise<string> {
  const dir = join(root, 'fixture');
  await mkdir(join(dir, 'apps', 'web'), { recursive: true });
  await writeFile(
    join(dir, 'apps', 'web', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
  );
  return dir;
}

describe('git test helpers', () => {
  it('publishes commits, tags and branches that a file:// clone sees', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'mooring-git-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const repo = await WorkingRepo.create(root, 'config', await fixture(root));
    await repo.writeFile('apps/web/extra.yaml', 'kind: Extra\n');
    const second = await repo.commit('add extra');
    await repo.tag('v1.0.0');
    await repo.branch('release');
    await repo.push('main', 'release');

    const refs = await git(root, ['ls-remote', repo.fileUrl]);
    assert.match(refs, new RegExp(`^${second}\\s+refs/heads/main$`, 'm'));
    assert.match(refs, new RegExp(`^${second}\\s+refs/heads/release$`, 'm'));
    assert.match(refs, /refs\/tags\/v1\.0\.0\^\{\}/);
    await git(root, ['clone', '--quiet', repo.fileUrl, join(root, 'clone')]);
    assert.equal(await readFile(join(root, 'clone', 'apps', 'web', 'extra.yaml'), 'utf8'), 'kind: Extra\n');
    await assert.rejects(repo.writeFile('../outside.yaml', 'x'), /escapes the repository/);
  });

  it('serves smart HTTP with basic auth: right credentials clone and push, none or wrong are refused', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'mooring-git-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const repo = await WorkingRepo.create(root, 'config', await fixture(root));
    const server = await startGitHttpServer({
      projectRoot: root,
      basicAuth: { username: 'mooring', password: 's3cret-token' },
      allowPush: true,
    });
    t.after(() => server.close());
    const url = new URL(`${server.baseUrl}/config.git`);

    await assert.rejects(
      git(root, ['ls-remote', url.href]),
      /Authentication failed|could not read Username|401/,
    );
    const wrong = new URL(url);
    wrong.username = 'mooring';
    wrong.password = 'nope';
    await assert.rejects(git(root, ['ls-remote', wrong.href]), /Authentication failed|401/);

    const authed = new URL(url);
    authed.username = 'mooring';
    authed.password = 's3cret-token';
    const cloneDir = join(root, 'http-clone');
    await git(root, ['clone', '--quiet', authed.href, cloneDir]);
    assert.match(await readFile(join(cloneDir, 'apps', 'web', 'configmap.yaml'), 'utf8'), /kind: ConfigMap/);

    await writeFile(join(cloneDir, 'pushed.yaml'), 'kind: Pushed\n');
    await git(cloneDir, ['add', '--all']);
    await git(cloneDir, ['commit', '--quiet', '-m', 'pushed over http']);
    await git(cloneDir, ['push', '--quiet', 'origin', 'main']);
    const pushed = await git(cloneDir, ['rev-parse', 'HEAD']);
    assert.equal(await git(repo.bareDir, ['rev-parse', 'refs/heads/main']), pushed);
    assert.ok(server.requestCount() >= 4);
  });

  it('refuses push over HTTP unless allowed', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'mooring-git-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    await WorkingRepo.create(root, 'config', await fixture(root));
    const server = await startGitHttpServer({ projectRoot: root });
    t.after(() => server.close());
    const cloneDir = join(root, 'ro-clone');
    await git(root, ['clone', '--quiet', `${server.baseUrl}/config.git`, cloneDir]);
    await git(cloneDir, ['commit', '--quiet', '--allow-empty', '-m', 'nope']);
    await assert.rejects(
      git(cloneDir, ['push', '--quiet', 'origin', 'main']),
      /403|not allowed|unable to access/,
    );
  });
});
