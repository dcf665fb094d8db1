/**
 * Choosing "the latest" tag, as Flux's ImagePolicy does: keep the tags matching `filterTags.pattern`, order
 * what `extract` takes from each (the whole tag by default) by semver range, number or string, and take the
 * highest (asc) or lowest (desc). Go's `(?P<name>…)` groups are read as JS named groups; `$name`, `${name}`
 * and `$1` expand as Go's Regexp.Expand does. Pure: unit-tested with fixtures.
 */
import semver from 'semver';

import { MooringError } from '../../core/errors.js';
import type { ImagePolicyChoice, ImagePolicySpec } from '../../crd/image-policy.js';
import { matchTags } from './bounded-regex.js';
import type { TagMatch } from './bounded-regex.js';

/** A tag kept by the filter, and the value it is ordered by. */
export interface Candidate {
  tag: string;
  value: string;
}

/** What the policy chose, or why nothing was chosen. */
export type Selection =
  | { kind: 'selected'; tag: string; candidates: number }
  | { kind: 'none'; candidates: number; reason: string };

/** Go's Regexp.Expand over one match: `$name`, `${name}`, `$1`, `$$`; unknown groups expand to ''. */
export function expandTemplate(template: string, match: TagMatch): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, _whole, braced, bare) => {
    const name = (braced ?? bare) as string | undefined;
    if (name === undefined) return '$';
    if (/^\d+$/.test(name)) return match.captures[Number(name)] ?? '';
    return match.groups?.[name] ?? '';
  });
}

/**
 * The tags `filterTags` keeps, each with the value ordered; all tags (value = tag) without a filter. The
 * pattern runs with a time budget (bounded-regex.ts): a runaway one throws INVALID_ARGUMENT.
 */
export function filterCandidates(
  tags: readonly string[],
  filter: ImagePolicySpec['filterTags'],
): Candidate[] {
  if (filter === undefined) return tags.map((tag) => ({ tag, value: tag }));
  const matches = matchTags(filter.pattern, 'spec.filterTags.pattern', tags);
  const extract = filter.extract ?? '';
  const kept: Candidate[] = [];
  tags.forEach((tag, i) => {
    const match = matches[i];
    if (match === null || match === undefined) return;
    kept.push({ tag, value: extract === '' ? tag : expandTemplate(extract, match) });
  });
  return kept;
}

/** Picks the latest candidate by the policy; ties go to the tag that sorts last, so the choice is stable. */
export function selectLatest(policy: ImagePolicyChoice, candidates: readonly Candidate[]): Selection {
  const count = candidates.length;
  if (count === 0) return { kind: 'none', candidates: 0, reason: 'no tag matches spec.filterTags' };
  if (policy.semver !== undefined) return bySemver(policy.semver, candidates);
  if (policy.numerical !== undefined) return byNumber(policy.numerical.order, candidates);
  if (policy.alphabetical !== undefined) return byString(policy.alphabetical.order, candidates);
  throw new MooringError('INVALID_ARGUMENT', 'spec.policy names no policy', { retry: 'terminal' });
}

/** The tags and filter of a policy, then the choice: what the scan controller calls. */
export function selectTag(
  spec: Pick<ImagePolicySpec, 'policy' | 'filterTags'>,
  tags: readonly string[],
): Selection {
  return selectLatest(spec.policy, filterCandidates(tags, spec.filterTags));
}

function bySemver(
  choice: NonNullable<ImagePolicyChoice['semver']>,
  candidates: readonly Candidate[],
): Selection {
  const options = { includePrerelease: choice.includePrerelease };
  let range: semver.Range;
  try {
    range = new semver.Range(choice.range, options);
  } catch (error) {
    throw new MooringError(
      'INVALID_ARGUMENT',
      `spec.policy.semver.range "${choice.range}" is not a semver range`,
      {
        cause: error,
        retry: 'terminal',
        hint: 'write a range such as ">=1.0.0 <2", "^1.4" or "1.2.x"',
      },
    );
  }
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const { tag, value } of candidates) {
    const version = semver.parse(value);
    if (version === null || !range.test(version)) continue;
    const order = best === undefined ? 1 : version.compare(best.version) || compareStrings(tag, best.tag);
    if (order > 0) best = { tag, version };
  }
  if (best === undefined) {
    return {
      kind: 'none',
      candidates: candidates.length,
      reason: `no tag is a version in range "${choice.range}"`,
    };
  }
  return { kind: 'selected', tag: best.tag, candidates: candidates.length };
}

function byNumber(order: 'asc' | 'desc', candidates: readonly Candidate[]): Selection {
  let best: { tag: string; number: number } | undefined;
  for (const { tag, value } of candidates) {
    // As Go's ParseFloat: a plain decimal number; anything else is not ordered.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) continue;
    const number = Number(value);
    if (!Number.isFinite(number)) continue;
    const diff = best === undefined ? 1 : order === 'asc' ? number - best.number : best.number - number;
    if (diff > 0 || (diff === 0 && best !== undefined && compareStrings(tag, best.tag) > 0))
      best = { tag, number };
  }
  if (best === undefined) {
    return { kind: 'none', candidates: candidates.length, reason: 'no (extracted) tag is a number' };
  }
  return { kind: 'selected', tag: best.tag, candidates: candidates.length };
}

function byString(order: 'asc' | 'desc', candidates: readonly Candidate[]): Selection {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const diff = compareStrings(candidate.value, best.value);
    const better = order === 'asc' ? diff > 0 : diff < 0;
    if (better || (diff === 0 && compareStrings(candidate.tag, best.tag) > 0)) best = candidate;
  }
  return best === undefined
    ? { kind: 'none', candidates: 0, reason: 'no tag matches spec.filterTags' }
    : { kind: 'selected', tag: best.tag, candidates: candidates.length };
}

/** Code-unit order, as Go compares strings (tags are ASCII by the distribution grammar). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
