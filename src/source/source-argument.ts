/**
 * The CLI's SOURCE syntax, `REPO_URL[@REF][//PATH]`, and the classification of a typed ref into a
 * RefSpec. Pure; no I/O.
 */
import { MooringError } from '../core/errors.js';
import { isSemverRange } from './semver.js';
import type { RefSpec, SourceArgument } from './types.js';
import {
  normaliseSourcePath,
  validateCommitId,
  validateRangeText,
  validateRefName,
  validateRepoURL,
} from './validate.js';

const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function invalid(message: string, subject: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', message, {
    step: 'source',
    subject,
    hint: 'write the source as REPO_URL[@REF][//PATH], e.g. https://git.example.com/org/config.git@v1.2.0//apps/web',
  });
}

/**
 * Splits `REPO_URL[@REF][//PATH]`. The '//' of a scheme and the '@' of user info (https://user@host,
 * git@host:path) are not separators: the path starts at the first '//' after the scheme's, and the ref
 * at the first '@' after the host. Validates the URL and normalises the path; the ref is returned as
 * typed, for classifyRef.
 */
export function parseSourceArgument(arg: string): SourceArgument {
  const scheme = SCHEME_PREFIX.exec(arg)?.[0] ?? '';
  const pathStart = arg.indexOf('//', scheme.length);
  const location = pathStart < 0 ? arg : arg.slice(0, pathStart);
  const path = normaliseSourcePath(pathStart < 0 ? '' : arg.slice(pathStart + 2));
  const hostEnd = endOfHost(location, scheme.length);
  const at = location.indexOf('@', hostEnd);
  const repoURL = at < 0 ? location : location.slice(0, at);
  validateRepoURL(repoURL);
  if (at < 0) return { repoURL, path };
  const ref = location.slice(at + 1);
  if (ref === '') throw invalid(`"${arg}" has an "@" but no ref after it`, arg);
  return { repoURL, ref, path };
}

/** Where the repository path begins: after scheme://authority, or after scp-like `user@host:`. */
function endOfHost(location: string, schemeLength: number): number {
  if (schemeLength > 0) {
    const slash = location.indexOf('/', schemeLength);
    return slash < 0 ? location.length : slash;
  }
  const colon = location.indexOf(':');
  return colon < 0 ? 0 : colon + 1;
}

const EXPLICIT_PREFIX = /^(branch|tag|semver|commit):(.*)$/s;
const COMMIT = /^[0-9a-fA-F]{7,40}$/;
/** Characters of a range made of versions and operators, and the operators that make it a range. */
const RANGE_CHARS = /^[0-9A-Za-z.*^~<>=| +-]+$/;
const RANGE_MARK = /[\s^~<>*]|\|\||(^|[.\s])[xX](?=$|[.\s])/;
const VERSION_LIKE = /^v?\d+(\.\d+){0,2}([-+][0-9A-Za-z.+-]*)?$/;

/**
 * What a typed ref means: `branch:`, `tag:`, `semver:` or `commit:` say it outright; otherwise 7 to 40
 * hex digits are a commit, a range (space, ^, ~, >, <, *, x as a version part, ||) is semver, a
 * version-like name ('v1.2.3', '1.4') is a tag, and anything else is a branch. Validates the result.
 */
export function classifyRef(ref: string): RefSpec {
  const explicit = EXPLICIT_PREFIX.exec(ref);
  const spec = explicit === null ? guessRef(ref) : explicitRef(explicit[1] ?? '', explicit[2] ?? '');
  if ('branch' in spec) validateRefName(spec.branch, 'branch');
  else if ('tag' in spec) validateRefName(spec.tag, 'tag');
  else if ('commit' in spec) spec.commit = validateCommitId(spec.commit);
  else {
    validateRangeText(spec.semver);
    if (!isSemverRange(spec.semver)) throw invalid(`"${spec.semver}" is not a semver range`, ref);
  }
  return spec;
}

function explicitRef(kind: string, value: string): RefSpec {
  switch (kind) {
    case 'branch':
      return { branch: value };
    case 'tag':
      return { tag: value };
    case 'semver':
      return { semver: value };
    default:
      return { commit: value };
  }
}

function guessRef(ref: string): RefSpec {
  if (COMMIT.test(ref)) return { commit: ref };
  if (RANGE_CHARS.test(ref) && RANGE_MARK.test(ref) && isSemverRange(ref)) return { semver: ref };
  if (VERSION_LIKE.test(ref)) return { tag: ref };
  return { branch: ref };
}
