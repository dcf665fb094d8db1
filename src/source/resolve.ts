/**
 * Picks the commit a branch, tag or semver range stands for, from a mirror's refs. Pure; no I/O.
 */
import type { MooringError } from '../core/errors.js';
import type { MirrorRef } from './mirror.js';
import { highestSatisfyingTag } from './semver.js';
import { sourceFailed } from './source-errors.js';
import type { RefSpec } from './types.js';

/** A ref resolved to what it points at. */
export interface ResolvedRef {
  /** The object id the ref finally points at (checked to be a commit by the caller). */
  target: string;
  /** Human name: the branch or tag. */
  resolvedRef: string;
}

const MAX_LISTED = 10;

/** Resolves a branch, tag or semver RefSpec against `refs`; throws SOURCE_FAILED with a hint if none. */
export function resolveNamedRef(
  refs: readonly MirrorRef[],
  ref: Exclude<RefSpec, { commit: string }>,
  url: string,
): ResolvedRef {
  const branches = namesUnder(refs, 'refs/heads/');
  const tags = namesUnder(refs, 'refs/tags/');
  if ('branch' in ref) {
    const found = refs.find((r) => r.name === `refs/heads/${ref.branch}`);
    if (found === undefined)
      throw notFound(`branch "${ref.branch}" not found in ${url}`, 'check the branch name', branches, url);
    return { target: found.target, resolvedRef: ref.branch };
  }
  if ('tag' in ref) {
    const found = refs.find((r) => r.name === `refs/tags/${ref.tag}`);
    if (found === undefined)
      throw notFound(`tag "${ref.tag}" not found in ${url}`, 'check the tag name', tags, url);
    return { target: found.target, resolvedRef: ref.tag };
  }
  const best = highestSatisfyingTag(tags, ref.semver);
  if (best === undefined)
    throw notFound(
      `no tag of ${url} satisfies the semver range "${ref.semver}"`,
      'check the range, and that the release was tagged and pushed (pre-releases match only ranges that name one, e.g. ">=1.0.0-rc.0")',
      tags,
      url,
    );
  const found = refs.find((r) => r.name === `refs/tags/${best.tag}`);
  return { target: found?.target ?? '', resolvedRef: best.tag };
}

function namesUnder(refs: readonly MirrorRef[], prefix: string): string[] {
  return refs.filter((r) => r.name.startsWith(prefix)).map((r) => r.name.slice(prefix.length));
}

function notFound(message: string, hint: string, available: readonly string[], url: string): MooringError {
  const listed =
    available.length === 0
      ? 'there are none'
      : `it has ${available.slice(0, MAX_LISTED).join(', ')}${available.length > MAX_LISTED ? ', ...' : ''}`;
  return sourceFailed(message, `${hint} (${listed})`, undefined, url);
}
