/**
 * The ImageRepository's own tag filters (exclusionList, inclusionList) and the bounded list its status
 * shows. Pure.
 */
import type { ImageRepositorySpec } from '../../crd/image-repository.js';
import { testTags } from './bounded-regex.js';

/**
 * The tags an ImageRepository keeps: none matching exclusionList, and (when set) one of inclusionList. Each
 * pattern runs once over the whole list with a time budget (bounded-regex.ts).
 */
export function keepTags(
  tags: readonly string[],
  spec: Pick<ImageRepositorySpec, 'exclusionList' | 'inclusionList'>,
): string[] {
  let kept = [...tags];
  for (const pattern of spec.exclusionList) {
    const excluded = testTags(pattern, 'spec.exclusionList entry', kept);
    kept = kept.filter((_, i) => excluded[i] !== true);
  }
  const inclusionList = spec.inclusionList;
  if (inclusionList === undefined) return kept;
  const included = new Array<boolean>(kept.length).fill(false);
  for (const pattern of inclusionList) {
    const matched = testTags(pattern, 'spec.inclusionList entry', kept);
    matched.forEach((m, i) => {
      if (m) included[i] = true;
    });
  }
  return kept.filter((_, i) => included[i]);
}

/** The last `limit` tags of the registry's listing, for status (registries list in lexical order). */
export function statusTags(tags: readonly string[], limit: number): string[] {
  return tags.slice(Math.max(0, tags.length - limit));
}
