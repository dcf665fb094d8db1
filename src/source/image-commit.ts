/**
 * The Git write of image automation: read the YAML files under some paths at the head of a branch, let the
 * caller edit them, commit and push — retrying on a concurrent push by fetching again and re-applying the
 * edit on the new head.
 *
 * Files are read from Git's tree and written as Git objects (hash-object, an index of our own, write-tree,
 * commit-tree): nothing is checked out, so an edit cannot reach a file outside the repository, and symlinks
 * (tree mode 120000) are never followed — they are listed as skipped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { errorMessage, MooringError } from '../core/errors.js';
import { shortCommit } from '../core/short-commit.js';
import { signCommitPayload } from './commit-signing.js';
import type { CommitSigningKey } from './commit-signing.js';
import { withCredentials } from './credentials.js';
import type { GitAuth } from './credentials.js';
import { GitCommandError, runGit } from './git-run.js';
import type { GitCredentials } from './types.js';
import { displayURL, normaliseSourcePath, validateRefName } from './validate.js';

/** A YAML file at the head of the branch. */
export interface RepoFile {
  path: string;
  content: string;
}

/** What the caller wants committed: new contents of some files, and the commit message. */
export interface EditPlan {
  files: RepoFile[];
  message: string;
}

export interface ImageCommitRequest {
  repoURL: string;
  /** The branch the files are read from (and, without `pushBranch`, pushed to). */
  branch: string;
  /**
   * Push to this branch instead (pull-request mode): it is set to one commit on top of `branch`, replaced
   * (force) on each run, and left alone when it already holds the same change.
   */
  pushBranch?: string | undefined;
  /** Folders or files to read ('' or '.': the whole repository). */
  paths: readonly string[];
  author: { name: string; email: string };
  credentials?: GitCredentials | undefined;
  /** Sign every commit with this OpenPGP key; a signing failure pushes nothing. */
  signingKey?: CommitSigningKey | undefined;
  /** Pushes tried before giving up when others push concurrently (default 4). */
  maxAttempts?: number | undefined;
  /** Called with the files at the head of `branch`, and again on the new head after a rejected push. */
  edit(files: readonly RepoFile[], head: string): EditPlan;
}

export type ImageCommitResult =
  | { kind: 'pushed'; commit: string; base: string; branch: string; attempts: number; skipped: string[] }
  | { kind: 'unchanged'; head: string; skipped: string[] }
  | { kind: 'refused'; reason: string; head?: string };

/** Files larger than this are not read (a values file is kilobytes). */
export const MAX_EDITED_FILE_BYTES = 1024 * 1024;
const YAML_FILE = /\.ya?ml$/i;
const DEFAULT_ATTEMPTS = 4;

/**
 * Commits the caller's edit of the YAML files under `paths` and pushes it. Never makes a commit when the
 * edit changes nothing (the head already carries the images), so re-running is harmless.
 */
export async function commitImageEdits(request: ImageCommitRequest): Promise<ImageCommitResult> {
  validateRefName(request.branch, 'branch');
  if (request.pushBranch !== undefined) validateRefName(request.pushBranch, 'branch');
  const paths = request.paths.map((p) => normaliseSourcePath(p));
  const work = await mkdtemp(join(tmpdir(), 'mooring-image-commit-'));
  try {
    return await withCredentials(
      request.credentials,
      async (auth) => {
        const repo = new WriteRepo(work, auth, request);
        await repo.git(['init', '--quiet', '--bare']);
        return await pushLoop(repo, request, paths);
      },
      request.repoURL,
    );
  } catch (error) {
    if (error instanceof MooringError) throw error;
    throw new MooringError(
      'SOURCE_FAILED',
      `image update commit to ${displayURL(request.repoURL)} failed: ${errorMessage(error)}`,
      {
        step: 'source',
        subject: displayURL(request.repoURL),
        cause: error,
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function pushLoop(
  repo: WriteRepo,
  request: ImageCommitRequest,
  paths: string[],
): Promise<ImageCommitResult> {
  const attempts = Math.max(1, request.maxAttempts ?? DEFAULT_ATTEMPTS);
  let lastReason = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const head = await repo.fetchBranch(request.branch, 'base');
    if (head === undefined)
      return {
        kind: 'refused',
        reason: `cannot fetch branch ${request.branch} of ${displayURL(request.repoURL)}`,
      };
    const { files, skipped } = await repo.readYaml(head, paths);
    const plan = request.edit(files, head);
    const tree = await repo.treeWith(head, plan.files);
    if (tree === (await repo.git(['rev-parse', `${head}^{tree}`])))
      return { kind: 'unchanged', head, skipped };
    const target = request.pushBranch ?? request.branch;
    if (request.pushBranch !== undefined) {
      const existing = await repo.fetchBranch(request.pushBranch, 'pushed');
      if (existing !== undefined && (await repo.sameChange(existing, head, tree)))
        return { kind: 'unchanged', head: existing, skipped };
    }
    const commit = await repo.commitTree(tree, head, plan.message);
    const pushed = await repo.push(commit, target, request.pushBranch !== undefined);
    if (pushed.ok) return { kind: 'pushed', commit, base: head, branch: target, attempts: attempt, skipped };
    lastReason = pushed.reason;
    if (!pushed.rejected) return { kind: 'refused', reason: `push refused: ${pushed.reason}`, head };
  }
  return {
    kind: 'refused',
    reason: `push rejected ${attempts} times (others pushed to ${request.branch} each time): ${lastReason}`,
  };
}

/** A bare repository of our own for one write: fetched refs, objects, a private index. */
class WriteRepo {
  /** The mode of each file the last readYaml gave out: the only paths treeWith writes. */
  private readonly modes = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly auth: GitAuth,
    private readonly request: ImageCommitRequest,
  ) {}

  async git(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<string> {
    const output = await runGit(args, {
      cwd: this.dir,
      env: { ...this.auth.env, ...options.env },
      secrets: this.auth.secrets,
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    });
    return output.trim();
  }

  /** Fetches `branch` into refs/mooring/<name>; its commit, or undefined when the branch does not exist. */
  async fetchBranch(branch: string, name: string): Promise<string | undefined> {
    try {
      await this.git([
        'fetch',
        '--quiet',
        '--no-tags',
        '--',
        this.request.repoURL,
        `+refs/heads/${branch}:refs/mooring/${name}`,
      ]);
    } catch (error) {
      if (/couldn't find remote ref/i.test(errorMessage(error))) return undefined;
      throw error;
    }
    return this.git(['rev-parse', '--verify', '--end-of-options', `refs/mooring/${name}^{commit}`]);
  }

  /** The regular YAML files under `paths` at `commit`; symlinks and oversized files are skipped, named. */
  async readYaml(
    commit: string,
    paths: readonly string[],
  ): Promise<{ files: RepoFile[]; skipped: string[] }> {
    this.modes.clear();
    const pathspecs = paths.some((p) => p === '') ? [] : paths;
    const listing = await this.git([
      '--literal-pathspecs',
      'ls-tree',
      '-r',
      '-l',
      '-z',
      '--full-tree',
      commit,
      '--',
      ...pathspecs,
    ]);
    const files: RepoFile[] = [];
    const skipped: string[] = [];
    for (const entry of listing.split('\0')) {
      const tab = entry.indexOf('\t');
      if (tab < 0) continue;
      const [mode = '', type = '', object = '', size = ''] = entry.slice(0, tab).split(/\s+/);
      const path = entry.slice(tab + 1);
      if (type !== 'blob' || !YAML_FILE.test(path)) continue;
      if (mode === '120000') skipped.push(`${path}: a symlink (not followed)`);
      else if (Number.parseInt(size, 10) > MAX_EDITED_FILE_BYTES)
        skipped.push(`${path}: larger than ${MAX_EDITED_FILE_BYTES} bytes`);
      else {
        files.push({ path, content: await this.blob(object) });
        this.modes.set(path, mode);
      }
    }
    return { files, skipped };
  }

  private async blob(object: string): Promise<string> {
    // Not trimmed: the file's bytes as they are.
    return runGit(['cat-file', 'blob', object], {
      cwd: this.dir,
      env: this.auth.env,
      secrets: this.auth.secrets,
    });
  }

  /** The tree of `base` with `files` replaced (paths from readYaml only: other paths are refused). */
  async treeWith(base: string, files: readonly RepoFile[]): Promise<string> {
    const index = { GIT_INDEX_FILE: join(this.dir, 'mooring-index') };
    await this.git(['read-tree', base], { env: index });
    for (const file of files) {
      const mode = this.modes.get(file.path);
      if (mode !== '100644' && mode !== '100755')
        throw new MooringError(
          'UNSAFE_INPUT',
          `refusing to write ${file.path}: not a regular YAML file read from the repository`,
          { step: 'source', subject: file.path },
        );
      const object = await this.git(['hash-object', '-w', '--stdin'], { stdin: file.content });
      await this.git(['update-index', '--cacheinfo', `${mode},${object},${file.path}`], { env: index });
    }
    return this.git(['write-tree'], { env: index });
  }

  /** Whether `existing` (the pull-request branch) is already one commit on `base` with `tree`. */
  async sameChange(existing: string, base: string, tree: string): Promise<boolean> {
    const [parents = '', existingTree = ''] = (
      await this.git(['show', '-s', '--format=%P%n%T', existing])
    ).split('\n');
    return parents.trim() === base && existingTree.trim() === tree;
  }

  async commitTree(tree: string, parent: string, message: string): Promise<string> {
    const { name, email } = this.request.author;
    const who = {
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
    };
    const commit = await this.git(['commit-tree', tree, '-p', parent, '-F', '-'], {
      env: who,
      stdin: message,
    });
    const key = this.request.signingKey;
    if (key === undefined) return commit;
    // Git's own `commit-tree -S` would run gpg with the controller's home; signing the payload here keeps the
    // key in a home of its own. Not trimmed: the object's bytes as they are.
    const payload = await runGit(['cat-file', 'commit', commit], { cwd: this.dir, env: this.auth.env });
    const signed = await signCommitPayload(payload, key);
    return this.git(['hash-object', '-t', 'commit', '-w', '--stdin'], { stdin: signed });
  }

  async push(
    commit: string,
    branch: string,
    force: boolean,
  ): Promise<{ ok: true } | { ok: false; rejected: boolean; reason: string }> {
    try {
      await this.git([
        'push',
        '--quiet',
        '--',
        this.request.repoURL,
        `${force ? '+' : ''}${commit}:refs/heads/${branch}`,
      ]);
      return { ok: true };
    } catch (error) {
      const stderr = error instanceof GitCommandError ? error.stderr : errorMessage(error);
      const rejected = /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|stale info/i.test(stderr);
      const line =
        stderr.split('\n').find((l) => /\[rejected\]|error:|fatal:/.test(l)) ?? errorMessage(error);
      return { ok: false, rejected, reason: line.trim() };
    }
  }
}

/** One line naming a push for logs and Events. Pure. */
export function describePush(result: Extract<ImageCommitResult, { kind: 'pushed' }>): string {
  return `pushed ${shortCommit(result.commit)} to ${result.branch} (on ${shortCommit(result.base)}, attempt ${result.attempts})`;
}
