/**
 * The Git write of image automation against real repositories (a bare origin and clones of it): commit and
 * push, idempotence, a concurrent push rebased and retried, symlinks and other paths left alone, and the
 * pull-request branch.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { git, isolatedGitEnv } from '../../../src/devgit/git-cli.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import { editImages } from '../../../src/image/update/edit.js';
import type { ChosenImage } from '../../../src/image/update/edit.js';
import { commitImageEdits } from '../../../src/source/image-commit.js';
import type { EditPlan, ImageCommitRequest, RepoFile } from '../../../src/source/image-commit.js';

const AUTHOR = { name: 'Image Bot', email: 'bot@example.test' };
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the web front end
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.local/web:1.0.0 # {"$imagepolicy": "apps:web"}
`;

function chosen(tag: string): Map<string, ChosenImage> {
  return new Map([['apps/web', { image: `registry.local/web:${tag}`, name: 'registry.local/web', tag }]]);
}

/** The edit image automation makes: every file through editImages, a message listing the changes. */
function editTo(tag: string, seen: string[] = []): (files: readonly RepoFile[]) => EditPlan {
  return (files) => {
    seen.push(...files.map((f) => f.path));
    const changed = files
      .map((f) => ({ path: f.path, result: editImages(f.content, chosen(tag), 'apps') }))
      .filter((f) => f.result.changes.length > 0);
    return {
      files: changed.map((f) => ({ path: f.path, content: f.result.content })),
      message: `Update images\n\n${changed.flatMap((f) => f.result.changes.map((c) => `- ${f.path}: ${c.before} -> ${c.after}`)).join('\n')}\n`,
    };
  };
}

describe('commitImageEdits', () => {
  let root: string;
  let repo: WorkingRepo;
  let request: (tag: string, extra?: Partial<ImageCommitRequest>) => ImageCommitRequest;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mooring-image-git-'));
    repo = await WorkingRepo.create(root, 'config');
    await repo.writeFile('apps/web/deployment.yaml', DEPLOYMENT);
    await repo.writeFile('apps/other/deployment.yaml', DEPLOYMENT);
    await symlink('../other/deployment.yaml', join(repo.dir, 'apps', 'web', 'linked.yaml'));
    await repo.commit('add web');
    await repo.push('main');
    request = (tag, extra = {}) => ({
      repoURL: repo.fileUrl,
      branch: 'main',
      paths: ['apps/web'],
      author: AUTHOR,
      edit: editTo(tag),
      ...extra,
    });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const originLog = (ref = 'main'): Promise<string> =>
    git(repo.bareDir, ['log', '--format=%an <%ae>|%s', ref]);
  const originFile = (path: string, ref = 'main'): Promise<string> =>
    git(repo.bareDir, ['show', `${ref}:${path}`]);

  it('commits only the marked value, as the given author, and pushes it', async () => {
    const seen: string[] = [];
    const result = await commitImageEdits(request('1.1.0', { edit: editTo('1.1.0', seen) }));
    assert.ok(result.kind === 'pushed');
    assert.deepEqual(seen, ['apps/web/deployment.yaml']);
    assert.deepEqual(result.skipped, ['apps/web/linked.yaml: a symlink (not followed)']);
    assert.equal(
      `${await originFile('apps/web/deployment.yaml')}\n`,
      DEPLOYMENT.replace('web:1.0.0', 'web:1.1.0'),
    );
    assert.equal(`${await originFile('apps/other/deployment.yaml')}\n`, DEPLOYMENT);
    const [latest] = (await originLog()).split('\n');
    assert.equal(latest, 'Image Bot <bot@example.test>|Update images');
    const body = await git(repo.bareDir, ['log', '-1', '--format=%b', 'main']);
    assert.match(body, /apps\/web\/deployment.yaml: registry.local\/web:1.0.0 -> registry.local\/web:1.1.0/);
  });

  it('makes no second commit for the same image change', async () => {
    const before = await git(repo.bareDir, ['rev-parse', 'main']);
    const result = await commitImageEdits(request('1.1.0'));
    assert.equal(result.kind, 'unchanged');
    assert.equal(await git(repo.bareDir, ['rev-parse', 'main']), before);
  });

  it('rebases on a concurrent push: fetches again, re-applies the edit on the new head, pushes', async () => {
    const result = await commitImageEdits(raceOnce(repo, request('1.2.0')));
    assert.ok(result.kind === 'pushed');
    assert.equal(result.attempts, 2);
    const log = (await originLog()).split('\n');
    assert.equal(log[0], 'Image Bot <bot@example.test>|Update images');
    assert.equal(log[1]?.endsWith('|concurrent change'), true);
    assert.match(await originFile('apps/web/deployment.yaml'), /web:1\.2\.0/);
    assert.match(await originFile('apps/other/notes.yaml'), /someone else/);
  });

  it('gives up after a bounded number of rejected pushes, pushing nothing', async () => {
    const ours = async (): Promise<number> =>
      (await originLog()).split('\n').filter((line) => line.startsWith('Image Bot')).length;
    const oursBefore = await ours();
    const result = await commitImageEdits(raceEveryTime(repo, request('1.3.0', { maxAttempts: 2 })));
    assert.ok(result.kind === 'refused');
    assert.match(result.reason, /rejected 2 times/);
    assert.equal(await ours(), oursBefore);
    assert.match(await originFile('apps/other/notes.yaml'), /race 2/);
    assert.doesNotMatch(await originFile('apps/web/deployment.yaml'), /web:1\.3\.0/);
  });

  it('pushes to a pull-request branch, once per change, leaving the base branch alone', async () => {
    const base = await git(repo.bareDir, ['rev-parse', 'main']);
    const first = await commitImageEdits(request('2.0.0', { pushBranch: 'mooring/image-updates/web' }));
    assert.equal(first.kind, 'pushed');
    assert.equal(await git(repo.bareDir, ['rev-parse', 'main']), base);
    assert.match(await originFile('apps/web/deployment.yaml', 'mooring/image-updates/web'), /web:2\.0\.0/);
    assert.equal(await git(repo.bareDir, ['rev-parse', 'mooring/image-updates/web^']), base);
    const again = await commitImageEdits(request('2.0.0', { pushBranch: 'mooring/image-updates/web' }));
    assert.equal(again.kind, 'unchanged');
    const newer = await commitImageEdits(request('2.1.0', { pushBranch: 'mooring/image-updates/web' }));
    assert.equal(newer.kind, 'pushed');
    assert.equal(await git(repo.bareDir, ['rev-parse', 'mooring/image-updates/web^']), base);
    assert.match(await originFile('apps/web/deployment.yaml', 'mooring/image-updates/web'), /web:2\.1\.0/);
  });

  it('refuses paths that leave the repository', async () => {
    await assert.rejects(commitImageEdits(request('9.9.9', { paths: ['../outside'] })), /"\.\."/);
    await assert.rejects(commitImageEdits(request('9.9.9', { paths: ['/etc'] })), /absolute/);
  });

  it('refuses an edit naming a file it was not given', async () => {
    await assert.rejects(
      commitImageEdits(
        request('9.9.9', {
          edit: () => ({ files: [{ path: 'apps/other/deployment.yaml', content: 'x' }], message: 'm' }),
        }),
      ),
      /refusing to write apps\/other\/deployment.yaml/,
    );
    assert.equal(`${await originFile('apps/other/deployment.yaml')}\n`, DEPLOYMENT);
  });
});

/** Wraps the request's edit so that a concurrent commit lands on origin right after the first read. */
function raceOnce(repo: WorkingRepo, request: ImageCommitRequest): ImageCommitRequest {
  let raced = false;
  return {
    ...request,
    maxAttempts: 3,
    edit: (files, head) => {
      const plan = request.edit(files, head);
      if (!raced) {
        raced = true;
        concurrentPushSync(repo, 'apps/other/notes.yaml', 'note: someone else\n', 'concurrent change');
      }
      return plan;
    },
  };
}

/** Wraps the request's edit so that someone else pushes before every one of our pushes. */
function raceEveryTime(repo: WorkingRepo, request: ImageCommitRequest): ImageCommitRequest {
  let n = 0;
  return {
    ...request,
    edit: (files, head) => {
      n += 1;
      concurrentPushSync(repo, 'apps/other/notes.yaml', `note: race ${n}\n`, `race ${n}`);
      return request.edit(files, head);
    },
  };
}

/** Another clone commits and pushes (synchronously: the edit callback is synchronous). */
function concurrentPushSync(repo: WorkingRepo, path: string, content: string, message: string): void {
  const env = isolatedGitEnv();
  const run = (args: string[]): void => {
    execFileSync('git', args, { cwd: repo.dir, env, stdio: 'ignore' });
  };
  run(['pull', '--quiet', '--ff-only', 'origin', 'main']);
  writeFileSync(join(repo.dir, path), content);
  run(['add', '--all']);
  run(['commit', '--quiet', '--message', message]);
  run(['push', '--quiet', 'origin', 'HEAD:main']);
}
