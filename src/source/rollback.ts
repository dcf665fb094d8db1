import { shortCommit } from '../core/short-commit.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { errorMessage, MooringError } from '../core/errors.js';
import { withCredentials } from './credentials.js';
import { runGit } from './git-run.js';
import type { GitCredentials } from './types.js';
import { displayURL, validateCommitId, validateRefName } from './validate.js';

export interface RevertRequest {
  repoURL: string;
  branch: string;
  /** The app's folder ('' = the whole repository). */
  path: string;
  /** Restore the folder as it was at this commit. */
  target: string;
  appName: string;
  credentials?: GitCredentials | undefined;
}

export type RevertResult =
  | { kind: 'pushed'; commit: string; revertedHead: string }
  | { kind: 'refused'; reason: string; head?: string };

const AUTHOR = ['-c', 'user.name=Mooring', '-c', 'user.email=mooring@mooring.invalid'];

/**
 * Rolls an app back the GitOps way: a new commit on the tracked branch whose app folder equals the folder at
 * `target`, pushed to the repository. Everything outside the folder is untouched. Returns 'refused' (with why)
 * when the push is not possible — no write access, a protected branch, a concurrent push — so the caller can
 * pin instead.
 */
export async function commitRevert(request: RevertRequest): Promise<RevertResult> {
  validateRefName(request.branch, 'branch');
  const target = validateCommitId(request.target);
  const work = await mkdtemp(join(tmpdir(), 'mooring-rollback-'));
  try {
    return await withCredentials(
      request.credentials,
      async (auth) => {
        const git = async (args: string[]): Promise<string> =>
          (await runGit(args, { cwd: work, env: auth.env, secrets: auth.secrets })).trim();
        await git(['init', '--quiet', '--initial-branch=rollback']);
        try {
          await git([
            'fetch',
            '--quiet',
            '--',
            request.repoURL,
            `+refs/heads/${request.branch}:refs/remotes/origin/${request.branch}`,
          ]);
        } catch (error) {
          return {
            kind: 'refused',
            reason: `cannot fetch ${displayURL(request.repoURL)}: ${errorMessage(error)}`,
          };
        }
        const head = await git([
          'rev-parse',
          '--verify',
          '--end-of-options',
          `refs/remotes/origin/${request.branch}^{commit}`,
        ]);
        await git(['checkout', '--quiet', '-B', 'rollback', head]);
        const pathspec = request.path === '' ? '.' : request.path;
        try {
          await git(['cat-file', '-e', `${target}^{commit}`]);
        } catch {
          return {
            kind: 'refused',
            reason: `commit ${target} is not in the history of ${request.branch}`,
            head,
          };
        }
        await git(['rm', '-r', '--quiet', '--ignore-unmatch', '--', pathspec]);
        await git(['checkout', target, '--', pathspec]).catch(() => undefined);
        const changed = await git(['status', '--porcelain', '--', pathspec]);
        if (changed === '')
          return {
            kind: 'refused',
            reason: `${pathspec} at ${shortCommit(head)} already equals ${shortCommit(target)}`,
            head,
          };
        const message = `Roll back ${request.appName} to ${shortCommit(target)}\n\nRestores ${pathspec} as it was at ${target}; reverts what changed there up to ${head}.\nRequested with mooring rollback.`;
        await git([...AUTHOR, 'commit', '--quiet', '--message', message]);
        const commit = await git(['rev-parse', 'HEAD']);
        try {
          await git(['push', '--quiet', '--', request.repoURL, `HEAD:refs/heads/${request.branch}`]);
        } catch (error) {
          return { kind: 'refused', reason: `push refused: ${errorMessage(error)}`, head };
        }
        return { kind: 'pushed', commit, revertedHead: head };
      },
      request.repoURL,
    );
  } catch (error) {
    throw new MooringError('SOURCE_FAILED', `rollback of ${request.appName} failed: ${errorMessage(error)}`, {
      step: 'source',
      cause: error,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
