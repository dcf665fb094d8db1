/**
 * A small glob matcher for the directory renderer's include/exclude options. Pure.
 *
 * Node 20's path.matchesGlob exists but prints an ExperimentalWarning on first use, which would leak into
 * the controller's output, so Mooring carries its own: `*`, `?`, `[abc]`/`[!abc]`, `{a,b}` and `**`.
 */

const cache = new Map<string, RegExp>();

/** Translates a glob into an anchored regular expression over '/'-separated relative paths. */
export function globToRegExp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const body = translate(pattern.replace(/^\.\//, ''));
  const compiled = new RegExp(`^${body}$`);
  cache.set(pattern, compiled);
  return compiled;
}

function translate(pattern: string): string {
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '*') {
      if (pattern.charAt(i + 1) === '*') {
        const atSegmentStart = i === 0 || pattern.charAt(i - 1) === '/';
        const slashAfter = pattern.charAt(i + 2) === '/';
        if (atSegmentStart && slashAfter) {
          // "**/" matches zero or more whole folders.
          out += '(?:[^/]*/)*';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
      } else {
        let set = pattern.slice(i + 1, close);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        out += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (ch === '{') {
      braceDepth++;
      out += '(?:';
    } else if (ch === '}' && braceDepth > 0) {
      braceDepth--;
      out += ')';
    } else if (ch === ',' && braceDepth > 0) {
      out += '|';
    } else {
      out += ch.replace(/[.+^$()|\\/]/g, '\\$&');
    }
  }
  return out + ')'.repeat(braceDepth);
}

/**
 * Whether a '/'-separated path (relative to the app folder) matches a glob. A pattern without '/' matches
 * the file name at any depth, as in .gitignore ("*.test.yaml" excludes such files in every sub-folder).
 */
export function matchesGlob(relativePath: string, pattern: string): boolean {
  if (!pattern.includes('/')) {
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    return globToRegExp(pattern).test(name);
  }
  return globToRegExp(pattern).test(relativePath);
}

/** Whether a path passes include (any match, or no include list) and exclude (no match). */
export function selectedByGlobs(
  relativePath: string,
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): boolean {
  const included =
    include === undefined || include.length === 0 || include.some((p) => matchesGlob(relativePath, p));
  return included && !(exclude ?? []).some((p) => matchesGlob(relativePath, p));
}
