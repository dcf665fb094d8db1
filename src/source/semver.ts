/**
 * Semantic-version resolution over tag names. Pure; the ordering and range rules are the `semver`
 * package's, the reference implementation npm uses.
 */
import semver from 'semver';

import { MooringError } from '../core/errors.js';

/** A tag whose name is a semantic version, with or without a leading 'v'. */
export interface VersionTag {
  tag: string;
  /** The normalised version, e.g. "1.2.0-rc.1". */
  version: string;
}

/** The version a tag name stands for ('v1.2.3' and '1.2.3' => '1.2.3'), or undefined if it is none. */
export function versionOfTag(tag: string): string | undefined {
  if (!/^v?\d/.test(tag)) return undefined;
  return semver.valid(tag) ?? undefined;
}

/** Whether `range` is a semver range semver can read. */
export function isSemverRange(range: string): boolean {
  return semver.validRange(range) !== null;
}

/**
 * The tag with the highest version that satisfies `range`, or undefined. Pre-releases follow semver's
 * default rule: a pre-release satisfies a range only when a comparator of the range names a pre-release
 * of the same major.minor.patch (">=1.0.0-rc.0" matches "1.0.0-rc.10" but not "1.1.0-rc.1"; "^1"
 * matches no pre-release). Among tags of equal precedence ("v1.0.0", "1.0.0", "1.0.0+build") the
 * lexically smallest name wins, so the answer does not depend on listing order.
 */
export function highestSatisfyingTag(tags: readonly string[], range: string): VersionTag | undefined {
  if (!isSemverRange(range))
    throw new MooringError('UNSAFE_INPUT', `"${range}" is not a semver range`, {
      step: 'source',
      subject: range,
      hint: 'use a range such as "^1.2.0", "~1.4", ">=1.0.0 <2" or "*"',
    });
  let best: VersionTag | undefined;
  for (const tag of tags) {
    const version = versionOfTag(tag);
    if (version === undefined || !semver.satisfies(version, range)) continue;
    if (best === undefined) {
      best = { tag, version };
      continue;
    }
    const order = semver.compare(version, best.version);
    if (order > 0 || (order === 0 && tag < best.tag)) best = { tag, version };
  }
  return best;
}

/** Compares two versions by semver precedence (for sorting). */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}
