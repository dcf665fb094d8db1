/**
 * The HTTP headers a registry conversation depends on, parsed without trusting them: `WWW-Authenticate`
 * challenges (RFC 7235 auth-params, as distribution's token auth writes them), `Link` for tag-list
 * pagination (RFC 8288, `rel="next"`), and `Retry-After` (seconds or an HTTP date). Pure.
 */

/** One challenge of a WWW-Authenticate header: scheme (lowercased) and its parameters. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const MAX_HEADER = 8192;

/**
 * The challenges of a WWW-Authenticate header, e.g.
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`.
 * Quoted values may contain commas and escaped quotes; parameter names are lowercased. A header that
 * cannot be read gives the challenges read so far (possibly none).
 */
export function parseWwwAuthenticate(header: string | undefined): AuthChallenge[] {
  if (header === undefined || header.length > MAX_HEADER) return [];
  const challenges: AuthChallenge[] = [];
  let rest = header.trim();
  let current: AuthChallenge | undefined;
  while (rest.length > 0) {
    const param = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*)\s*(,\s*|$)/.exec(rest);
    if (param !== null && current !== undefined) {
      const name = (param[1] ?? '').toLowerCase();
      const quoted = param[3];
      current.params[name] = quoted === undefined ? (param[2] ?? '') : quoted.replace(/\\(.)/g, '$1');
      rest = rest.slice(param[0].length);
      continue;
    }
    const scheme = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(\s+|\s*,\s*|$)/.exec(rest);
    if (scheme === null) break;
    current = { scheme: (scheme[1] ?? '').toLowerCase(), params: {} };
    challenges.push(current);
    rest = rest.slice(scheme[0].length);
  }
  return challenges;
}

/**
 * The target of the `rel="next"` link of a Link header (`</v2/a/tags/list?last=x&n=100>; rel="next"`),
 * as written (relative or absolute); undefined when there is none.
 */
export function nextLink(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_HEADER) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? '';
    for (const param of params.split(';')) {
      const [name, value] = param.split('=').map((part) => part.trim());
      if (name?.toLowerCase() !== 'rel' || value === undefined) continue;
      const rels = value.replace(/^"|"$/g, '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return match[1];
    }
  }
  return undefined;
}

/** Milliseconds to wait from a Retry-After header (delta-seconds or HTTP-date); undefined if absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  if (Number.isNaN(when) || !/[A-Za-z]/.test(text)) return undefined;
  return Math.max(0, when - now.getTime());
}
