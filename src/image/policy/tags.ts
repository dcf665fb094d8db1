/**
 * The ImageRepository's own tag filters (exclusionList, inclusionList) and the bounded list its status
 * shows. Pure.
 */
import type { ImageRepositorySpec } from '../../crd/image-repository.js';
import { compilePattern } from './select.js';

/** The tags an ImageRepository keeps: none matching exclusionList, and (when set) one of inclusionList. */
export function keepTags(
  tags: readonly string[],
  spec: Pick<ImageRepositorySpec, 'exclusionList' | 'inclusionList'>,
): string[] {
  const exclude = spec.exclusionList.map((p) => compilePattern(p, 'spec.exclusionList entry'));
  const include = spec.inclusionList?.map((p) => compilePattern(p, 'spec.inclusionList entry'));
  return tags.filter(
    (tag) =>
      !exclude.some((pattern) => pattern.test(tag)) &&
      (include === undefined || include.some((pattern) => pattern.test(tag))),
  );
}

/** The last `limit` tags of the registry's listing, for status (registries list in lexical order). */
export function statusTags(tags: readonly string[], limit: number): string[] {
  return tags.slice(Math.max(0, tags.length - limit));
}
