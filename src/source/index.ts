/**
 * The Git source stage: fetch a repository into its mirror, resolve the ref, and export the tree at
 * the resolved commit with the tree hashes that key the render cache.
 */
import { shortCommit } from '../core/short-commit.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import { readCommitInfo, readTreeHashes } from './commit-info.js';
import { withCredentials } from './credentials.js';
import type { GitAuth } from './credentials.js';
import { exportCommit, removeExport } from './export.js';
import { checkMirrorSize, checkTreeLimits, DEFAULT_SOURCE_LIMITS } from './limits.js';
import { DEFAULT_GIT_TIMEOUT_MS } from './git-run.js';
import {
  fetchCommit,
  fetchMirror,
  findCommit,
  listMirrorRefs,
  mirrorPath,
  withMirrorLock,
} from './mirror.js';
import { resolveNamedRef } from './resolve.js';
import { fetchFailure, sourceFailed } from './source-errors.js';
import type {
  ExportedTree,
  FetchedSource,
  FetchObserver,
  FetchOptions,
  RefSpec,
  ResolvedSource,
  SourceSpec,
} from './types.js';
import { displayURL, normaliseSourcePath, validateRefSpec, validateRepoURL } from './validate.js';
import { verifyRevision } from './verify.js';
import { FreshFlights } from './fresh-flight.js';

export { defaultBranch, sourceSpecFromArgument } from './remote.js';
export { classifyRef, parseSourceArgument } from './source-argument.js';
export { displayURL } from './validate.js';
export { DEFAULT_SOURCE_LIMITS } from './limits.js';
export type * from './types.js';
export type { VerifiedSignature, VerifyMode, VerifySpec, TrustedKey } from './verify-parse.js';

interface ResolvedCommit {
  commit: string;
  resolvedRef: string;
}

/** Fetch + ref resolution, shared by callers asking the same thing at the same time (see FreshFlights). */
const resolveFlights = new FreshFlights<ResolvedCommit>();

/**
 * Fetches `spec.repoURL` into its mirror under `cacheDir`, resolves `spec.ref` to a commit, reads its
 * tree hashes, and checks the tree against the size limits (before anything is exported).
 * Throws UNSAFE_INPUT for a refused URL, ref or path, and SOURCE_FAILED (with the display URL and a
 * hint, never credentials) when git cannot fetch, the ref or path does not exist, or a limit is broken.
 */
export async function resolveSource(
  spec: SourceSpec,
  cacheDir: string,
  options: FetchOptions = {},
): Promise<ResolvedSource> {
  validateRepoURL(spec.repoURL);
  validateRefSpec(spec.ref);
  const path = normaliseSourcePath(spec.path);
  const url = displayURL(spec.repoURL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const mirrorDir = mirrorPath(cacheDir, spec.repoURL);
  const preferCache = options.preferCache === true;
  // Keyed by a hash: the credential is part of the key (one app's never fetches for another) but never kept.
  const limits = { ...DEFAULT_SOURCE_LIMITS, ...options.limits };
  const flightKey = hashKey([
    mirrorDir,
    spec.repoURL,
    spec.ref,
    spec.credentials ?? null,
    preferCache,
    limits,
  ]);
  const { commit, resolvedRef } = await resolveFlights.run(
    flightKey,
    async () => {
      const resolved = await withCredentials(
        spec.credentials,
        (auth) =>
          resolveCommit(spec, mirrorDir, auth, {
            timeoutMs,
            preferCache,
            ...(options.onFetch === undefined ? {} : { onFetch: options.onFetch }),
          }),
        spec.repoURL,
      );
      // The mirror only grows with a fetch: checked once per shared fetch.
      try {
        await withMirrorLock(mirrorDir, () => checkMirrorSize(mirrorDir, limits, url, timeoutMs));
      } catch (error) {
        throw mirrorFailure(error, resolved.commit, url, cacheDir, mirrorDir);
      }
      return resolved;
    },
    options.freshSince,
  );
  // Before anything is exported: an unverified revision is never read, rendered or applied.
  const signatures =
    spec.verify === undefined
      ? undefined
      : await verifyRevision({ mirrorDir, commit, tag: tagOf(spec.ref, resolvedRef), url }, spec.verify);
  try {
    const { info, hashes } = await readCommit(mirrorDir, commit, path, url, limits, timeoutMs);
    return {
      displayURL: url,
      resolvedRef,
      commit: info,
      path,
      mirrorDir,
      ...hashes,
      ...(signatures === undefined ? {} : { signatures }),
    };
  } catch (error) {
    throw mirrorFailure(error, commit, url, cacheDir, mirrorDir);
  }
}

/** A hash of the parts of a key (credentials may be among them: they are never kept). */
function hashKey(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

interface CommitReading {
  info: Awaited<ReturnType<typeof readCommitInfo>>;
  hashes: Awaited<ReturnType<typeof readTreeHashes>>;
}

/** What a commit says never changes: its info, tree hashes and limit check are read once per (commit, path). */
const commitReadings = new Map<string, Promise<CommitReading>>();
const COMMIT_READINGS_KEPT = 512;

function readCommit(
  mirrorDir: string,
  commit: string,
  path: string,
  url: string,
  limits: typeof DEFAULT_SOURCE_LIMITS,
  timeoutMs: number,
): Promise<CommitReading> {
  const key = hashKey([mirrorDir, commit, path, url, limits]);
  const known = commitReadings.get(key);
  if (known !== undefined) return known;
  const reading = (async (): Promise<CommitReading> => {
    const info = await readCommitInfo(mirrorDir, commit);
    const hashes = await readTreeHashes(mirrorDir, commit, path, url);
    await checkTreeLimits(mirrorDir, commit, limits, `${url} at ${commit.slice(0, 12)}`, timeoutMs);
    return { info, hashes };
  })();
  commitReadings.set(key, reading);
  if (commitReadings.size > COMMIT_READINGS_KEPT) {
    const oldest = commitReadings.keys().next().value;
    if (oldest !== undefined) commitReadings.delete(oldest);
  }
  // A failure (a missing path, a limit) is not remembered: the next sync asks again.
  reading.catch(() => {
    if (commitReadings.get(key) === reading) commitReadings.delete(key);
  });
  return reading;
}

/**
 * A private export of the whole tree of a resolved source under `<cacheDir>/exports`; the caller
 * releases it once the render is done.
 */
export async function exportSource(
  source: ResolvedSource,
  cacheDir: string,
  options: Pick<FetchOptions, 'timeoutMs'> = {},
): Promise<ExportedTree> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  let root: string;
  try {
    root = await exportCommit(source.mirrorDir, source.commit.sha, join(cacheDir, 'exports'), timeoutMs);
  } catch (error) {
    throw mirrorFailure(error, source.commit.sha, source.displayURL, cacheDir, source.mirrorDir);
  }
  return {
    root,
    appDir: source.path === '' ? root : join(root, source.path),
    release: () => removeExport(root),
  };
}

/**
 * resolveSource, then exportSource: the tree at the resolved commit, exported to a directory of its own
 * under `<cacheDir>/exports`, removed by `release()`.
 */
export async function fetchSource(
  spec: SourceSpec,
  cacheDir: string,
  options: FetchOptions = {},
): Promise<FetchedSource> {
  const resolved = await resolveSource(spec, cacheDir, options);
  return { ...resolved, ...(await exportSource(resolved, cacheDir, options)) };
}

function mirrorFailure(
  error: unknown,
  commit: string,
  url: string,
  cacheDir: string,
  mirrorDir: string,
): MooringError {
  if (error instanceof MooringError) return error;
  return sourceFailed(
    `cannot read commit ${shortCommit(commit)} of ${url} from the mirror cache`,
    `check free disk space and permissions under ${cacheDir}; deleting ${mirrorDir} makes Mooring fetch it again`,
    error,
    url,
  );
}

/** The tag a tag or semver ref resolved to; undefined for branches and commits. */
function tagOf(ref: RefSpec, resolvedRef: string): string | undefined {
  return 'tag' in ref || 'semver' in ref ? resolvedRef : undefined;
}

interface ResolveOptions {
  timeoutMs: number;
  preferCache: boolean;
  onFetch?: FetchObserver;
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
    await fetchOrFail(mirrorDir, spec.repoURL, auth, options);
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
  await fetchOrFail(mirrorDir, spec.repoURL, auth, options);
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
  { timeoutMs, onFetch }: Pick<ResolveOptions, 'timeoutMs' | 'onFetch'>,
): Promise<void> {
  const started = performance.now();
  try {
    await fetchMirror(mirrorDir, repoURL, auth, timeoutMs);
    onFetch?.({ seconds: (performance.now() - started) / 1000, ok: true });
  } catch (error) {
    onFetch?.({ seconds: (performance.now() - started) / 1000, ok: false });
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
