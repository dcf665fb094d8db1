/**
 * The mirror cache: one bare repository per repository URL under `<cacheDir>/mirrors/<sha256 of the
 * normalised URL>`, kept current with `git fetch` (never clone, so no URL or credential lands in its
 * config). Refs are read from the mirror afterwards, without asking the remote again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { runGit } from './git-run.js';
import type { GitAuth } from './credentials.js';

/** Fetched into every mirror: all branches and tags, pruned when they disappear on the remote. */
const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

/**
 * Attributes of highest precedence ($GIT_DIR/info/attributes): exports hold the bytes the tree hash
 * stands for, whatever the repository's .gitattributes say (no export-ignore, export-subst, eol or
 * filter conversion).
 */
const RAW_ATTRIBUTES = '* -export-ignore -export-subst -text -eol -ident -filter -working-tree-encoding\n';

/** A branch or tag in a mirror. */
export interface MirrorRef {
  /** Full name, e.g. refs/heads/main, refs/tags/v1.0.0. */
  name: string;
  /** The object the ref points to (a tag object for annotated tags). */
  object: string;
  /** The object it finally points to (the commit of an annotated tag; `object` otherwise). */
  target: string;
}

/**
 * The URL as the cache key sees it: scheme and host in lower case, no trailing slash. User names stay:
 * they can select a different account (and so different access) on the same host.
 */
export function normaliseRepoURL(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/.exec(trimmed);
  if (scheme !== null) {
    const [, name = '', authority = '', rest = ''] = scheme;
    const at = authority.lastIndexOf('@');
    return `${name.toLowerCase()}://${authority.slice(0, at + 1)}${authority.slice(at + 1).toLowerCase()}${rest}`;
  }
  const scp = /^((?:[^@/:]+@)?)([^@/:]+):(.*)$/.exec(trimmed);
  return scp === null ? trimmed : `${scp[1] ?? ''}${(scp[2] ?? '').toLowerCase()}:${scp[3] ?? ''}`;
}

/** The mirror directory of a repository URL. */
export function mirrorPath(cacheDir: string, url: string): string {
  const key = createHash('sha256').update(normaliseRepoURL(url)).digest('hex');
  return join(cacheDir, 'mirrors', key);
}

// One chain of work per mirror directory in this process: concurrent fetches of one mirror would fight
// over its ref locks and pack files.
const mirrorLocks = new Map<string, Promise<unknown>>();

/** Runs `work` when no other work holds the lock of `mirrorDir` in this process. */
export async function withMirrorLock<T>(mirrorDir: string, work: () => Promise<T>): Promise<T> {
  const previous = mirrorLocks.get(mirrorDir) ?? Promise.resolve();
  const current = previous.then(work, work);
  const settled = current.catch(() => undefined);
  mirrorLocks.set(mirrorDir, settled);
  try {
    return await current;
  } finally {
    if (mirrorLocks.get(mirrorDir) === settled) mirrorLocks.delete(mirrorDir);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Creates the bare mirror if it does not exist yet: initialised aside, then renamed into place. */
export async function ensureMirror(mirrorDir: string): Promise<void> {
  if (await exists(join(mirrorDir, 'HEAD'))) return;
  const parent = join(mirrorDir, '..');
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.init-${randomBytes(6).toString('hex')}`);
  try {
    await runGit(['init', '--quiet', '--bare', '--', staging]);
    // Synchronous gc: no background process left writing into the mirror after fetch returns.
    await runGit(['config', 'gc.autoDetach', 'false'], { cwd: staging });
    await runGit(['config', 'core.logAllRefUpdates', 'false'], { cwd: staging });
    await mkdir(join(staging, 'info'), { recursive: true });
    await writeFile(join(staging, 'info', 'attributes'), RAW_ATTRIBUTES);
    await rename(staging, mirrorDir);
  } catch (error) {
    // Another process created it first: theirs is as good as ours.
    if (!(await exists(join(mirrorDir, 'HEAD')))) throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Fetches all branches and tags of `url` into the mirror (creating it), pruning deleted ones. */
export async function fetchMirror(
  mirrorDir: string,
  url: string,
  auth: GitAuth,
  timeoutMs: number,
): Promise<void> {
  await withMirrorLock(mirrorDir, async () => {
    await ensureMirror(mirrorDir);
    await runGit(
      ['fetch', '--quiet', '--prune', '--no-tags', '--no-write-fetch-head', '--', url, ...REFSPECS],
      { cwd: mirrorDir, env: auth.env, secrets: auth.secrets, timeoutMs },
    );
  });
}

/**
 * Fetches one commit by id, for commits no branch or tag points to (servers that allow it, such as
 * GitHub, GitLab, and file:// remotes). Returns false if the server would not give it.
 */
export async function fetchCommit(
  mirrorDir: string,
  url: string,
  commit: string,
  auth: GitAuth,
  timeoutMs: number,
): Promise<boolean> {
  return withMirrorLock(mirrorDir, async () => {
    try {
      await runGit(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', url, commit], {
        cwd: mirrorDir,
        env: auth.env,
        secrets: auth.secrets,
        timeoutMs,
      });
      return true;
    } catch {
      return false;
    }
  });
}

/** Branches and tags of the mirror, annotated tags peeled to what they point at. */
export async function listMirrorRefs(mirrorDir: string): Promise<MirrorRef[]> {
  const output = await runGit(
    ['for-each-ref', '--format=%(objectname)%00%(*objectname)%00%(refname)', 'refs/heads', 'refs/tags'],
    { cwd: mirrorDir },
  );
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [object = '', peeled = '', name = ''] = line.split('\0');
      return { name, object, target: peeled === '' ? object : peeled };
    });
}

/** The full id of `commitish` (a full or abbreviated commit id) if the mirror has that commit. */
export async function findCommit(mirrorDir: string, commitish: string): Promise<string | undefined> {
  if (!(await exists(join(mirrorDir, 'HEAD')))) return undefined;
  try {
    const sha = await runGit(
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `${commitish}^{commit}`],
      {
        cwd: mirrorDir,
      },
    );
    return sha.trim();
  } catch {
    return undefined;
  }
}
