/**
 * The Git source stage: fetch a repository into its mirror, resolve the ref, and export the tree at
 * the resolved commit with the tree hashes that key the render cache.
 */
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import { readCommitInfo, readTreeHashes } from './commit-info.js';
import { withCredentials } from './credentials.js';
import type { GitAuth } from './credentials.js';
import { exportCommit } from './export.js';
import { DEFAULT_GIT_TIMEOUT_MS } from './git-run.js';
import { fetchCommit, fetchMirror, findCommit, listMirrorRefs, mirrorPath } from './mirror.js';
import { resolveNamedRef } from './resolve.js';
import { fetchFailure, sourceFailed } from './source-errors.js';
import type { FetchedSource, FetchOptions, RefSpec, SourceSpec } from './types.js';
import { displayURL, normaliseSourcePath, validateRefSpec, validateRepoURL } from './validate.js';
import { verifyRevision } from './verify.js';

export { defaultBranch, sourceSpecFromArgument } from './remote.js';
export { classifyRef, parseSourceArgument } from './source-argument.js';
export { displayURL } from './validate.js';
export type * from './types.js';
export type { VerifiedSignature, VerifyMode, VerifySpec, TrustedKey } from './verify-parse.js';

interface ResolvedCommit {
  commit: string;
  resolvedRef: string;
}

/**
 * Fetches `spec.repoURL` into its mirror under `cacheDir`, resolves `spec.ref` to a commit, and exports
 * the whole tree at that commit to `<cacheDir>/exports/<commit>` (reused when already there).
 * Throws UNSAFE_INPUT for a refused URL, ref or path, and SOURCE_FAILED (with the display URL and a
 * hint, never credentials) when git cannot fetch or the ref or path does not exist.
 */
export async function fetchSource(
  spec: SourceSpec,
  cacheDir: string,
  options: FetchOptions = {},
): Promise<FetchedSource> {
  validateRepoURL(spec.repoURL);
  validateRefSpec(spec.ref);
  const path = normaliseSourcePath(spec.path);
  const url = displayURL(spec.repoURL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const mirrorDir = mirrorPath(cacheDir, spec.repoURL);
  const { commit, resolvedRef } = await withCredentials(spec.credentials, (auth) =>
    resolveCommit(spec, mirrorDir, auth, { timeoutMs, preferCache: options.preferCache === true }),
  );
  // Before anything is exported: an unverified revision is never read, rendered or applied.
  const signatures =
    spec.verify === undefined
      ? undefined
      : await verifyRevision({ mirrorDir, commit, tag: tagOf(spec.ref, resolvedRef), url }, spec.verify);
  try {
    const info = await readCommitInfo(mirrorDir, commit);
    const hashes = await readTreeHashes(mirrorDir, commit, path, url);
    const root = await exportCommit(mirrorDir, commit, join(cacheDir, 'exports'), timeoutMs);
    return {
      displayURL: url,
      resolvedRef,
      commit: info,
      root,
      path,
      appDir: path === '' ? root : join(root, path),
      ...hashes,
      ...(signatures === undefined ? {} : { signatures }),
    };
  } catch (error) {
    if (error instanceof MooringError) throw error;
    throw sourceFailed(
      `cannot read commit ${commit.slice(0, 7)} of ${url} from the mirror cache`,
      `check free disk space and permissions under ${cacheDir}; deleting ${mirrorDir} makes Mooring fetch it again`,
      error,
      url,
    );
  }
}

/** The tag a tag or semver ref resolved to; undefined for branches and commits. */
function tagOf(ref: RefSpec, resolvedRef: string): string | undefined {
  return 'tag' in ref || 'semver' in ref ? resolvedRef : undefined;
}

interface ResolveOptions {
  timeoutMs: number;
  preferCache: boolean;
}

async function resolveCommit(
  spec: SourceSpec,
  mirrorDir: string,
  auth: GitAuth,
  options: ResolveOptions,
): Promise<ResolvedCommit> {
  const url = displayURL(spec.repoURL);
  const ref: RefSpec = spec.ref;
  if ('commit' in ref) {
    const wanted = ref.commit.toLowerCase();
    const cached = options.preferCache ? await findCommit(mirrorDir, wanted) : undefined;
    if (cached !== undefined) return { commit: cached, resolvedRef: cached };
    await fetchOrFail(mirrorDir, spec.repoURL, auth, options.timeoutMs);
    const commit = await findCommitOrFetchIt(mirrorDir, spec.repoURL, wanted, auth, options.timeoutMs);
    if (commit === undefined)
      throw sourceFailed(
        `commit ${wanted} not found in ${url}`,
        wanted.length < 40
          ? 'check the commit id (an abbreviated id must be unique in the repository), and that it was pushed'
          : 'check the commit id, and that it was pushed',
        undefined,
        url,
      );
    return { commit, resolvedRef: commit };
  }
  await fetchOrFail(mirrorDir, spec.repoURL, auth, options.timeoutMs);
  const resolved = resolveNamedRef(await listMirrorRefs(mirrorDir), ref, url);
  const commit = await findCommit(mirrorDir, resolved.target);
  if (commit === undefined)
    throw sourceFailed(
      `"${resolved.resolvedRef}" of ${url} does not point to a commit`,
      'point the ref at a commit (a tag of a tree or a file cannot be deployed)',
      undefined,
      url,
    );
  return { commit, resolvedRef: resolved.resolvedRef };
}

async function fetchOrFail(
  mirrorDir: string,
  repoURL: string,
  auth: GitAuth,
  timeoutMs: number,
): Promise<void> {
  try {
    await fetchMirror(mirrorDir, repoURL, auth, timeoutMs);
  } catch (error) {
    throw fetchFailure(error, displayURL(repoURL), timeoutMs);
  }
}

/** A commit no branch or tag reaches is fetched by its full id, where the server allows it. */
async function findCommitOrFetchIt(
  mirrorDir: string,
  repoURL: string,
  commit: string,
  auth: GitAuth,
  timeoutMs: number,
): Promise<string | undefined> {
  const found = await findCommit(mirrorDir, commit);
  if (found !== undefined || commit.length < 40) return found;
  return (await fetchCommit(mirrorDir, repoURL, commit, auth, timeoutMs))
    ? findCommit(mirrorDir, commit)
    : undefined;
}
