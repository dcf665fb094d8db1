/**
 * Questions asked of the remote itself rather than of the mirror: which branch its HEAD names.
 */
import { withCredentials } from './credentials.js';
import type { GitAuth } from './credentials.js';
import { DEFAULT_GIT_TIMEOUT_MS, runGit } from './git-run.js';
import { classifyRef, parseSourceArgument } from './source-argument.js';
import { fetchFailure, sourceFailed } from './source-errors.js';
import type { RemoteOptions, SourceSpec } from './types.js';
import { displayURL, validateRefName, validateRepoURL } from './validate.js';

/** The branch HEAD names in `git ls-remote --symref` output ("ref: refs/heads/main\tHEAD"). Pure. */
export function parseHeadSymref(output: string): string | undefined {
  const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(output);
  return match?.[1];
}

/**
 * The remote's default branch (what its HEAD points at), asked once with `git ls-remote --symref`.
 * SOURCE_FAILED if the remote cannot be reached or its HEAD names no branch (an empty repository).
 */
export async function defaultBranch(repoURL: string, options: RemoteOptions = {}): Promise<string> {
  validateRepoURL(repoURL);
  const url = displayURL(repoURL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const lsRemote = async (auth: GitAuth): Promise<string> => {
    try {
      return await runGit(['ls-remote', '--symref', '--', repoURL, 'HEAD'], {
        env: auth.env,
        secrets: auth.secrets,
        timeoutMs,
      });
    } catch (error) {
      throw fetchFailure(error, url, timeoutMs);
    }
  };
  const output = await withCredentials(options.credentials, lsRemote, repoURL);
  const branch = parseHeadSymref(output);
  if (branch === undefined)
    throw sourceFailed(
      `${url} does not say which branch is its default (its HEAD names no branch)`,
      'give the ref explicitly, e.g. REPO_URL@main',
      undefined,
      url,
    );
  validateRefName(branch, 'branch');
  return branch;
}

/**
 * A SourceSpec from the CLI's `REPO_URL[@REF][//PATH]`; without a ref, the remote's default branch
 * (one `git ls-remote --symref`).
 */
export async function sourceSpecFromArgument(arg: string, options: RemoteOptions = {}): Promise<SourceSpec> {
  const parsed = parseSourceArgument(arg);
  const ref =
    parsed.ref === undefined
      ? { branch: await defaultBranch(parsed.repoURL, options) }
      : classifyRef(parsed.ref);
  return {
    repoURL: parsed.repoURL,
    ref,
    path: parsed.path,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
}
