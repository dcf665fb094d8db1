/**
 * Comparing repository URLs the way a person would: the https clone URL, the scp-like ssh URL,
 * the ssh:// URL and the web page of one repository all name the same thing. Pure.
 *
 * The rule: drop the scheme, user and password, query and fragment; lower-case the host; keep a
 * port the URL gives; drop slashes at either end of the path and one trailing `.git`. The path
 * keeps its case, because most Git servers treat `Org/Repo` and `org/repo` as different
 * repositories; the hosts in CASE_INSENSITIVE_HOSTS do not, so `sameRepo` ignores path case there.
 */

/** Hosts whose owner and repository names are case-insensitive. */
export const CASE_INSENSITIVE_HOSTS: ReadonlySet<string> = new Set([
  'github.com',
  'gitlab.com',
  'bitbucket.org',
]);

/** Ports the URL class does not drop by itself because it does not know these schemes. */
const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  'ssh:': '22',
  'git+ssh:': '22',
  'ssh+git:': '22',
  'git:': '9418',
};
const SCHEME_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** `[user@]host:path` with no '/' before the first ':' (git's own rule for scp-like syntax). */
const SCP_LIKE = /^(?:[^@/:]+@)?([^@/:]+):(.*)$/;

/**
 * The canonical `host[:port]/path` form of a repository URL, e.g. `github.com/Org/Repo` for
 * `https://user:token@GitHub.com/Org/Repo.git/`, `git@github.com:Org/Repo.git` and
 * `ssh://git@github.com/Org/Repo`. `file://` URLs keep their scheme (`file:///srv/repo`).
 * Input that is not a URL at all is returned trimmed, so it still compares equal to itself.
 */
export function normalizeRepoURL(url: string): string {
  const text = url.trim();
  if (SCHEME_URL.test(text)) return fromSchemeURL(text);
  const scp = SCP_LIKE.exec(text);
  if (scp !== null) return joinHostPath((scp[1] ?? '').toLowerCase(), scp[2] ?? '');
  return trimPath(text);
}

function fromSchemeURL(text: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return trimPath(text);
  }
  const path = decodeURIComponentSafe(parsed.pathname);
  if (parsed.protocol === 'file:') return `file:///${trimPath(path)}`;
  const port = parsed.port === DEFAULT_PORTS[parsed.protocol] ? '' : parsed.port;
  const host = port === '' ? parsed.hostname : `${parsed.hostname}:${port}`;
  return joinHostPath(host.toLowerCase(), path);
}

function joinHostPath(host: string, path: string): string {
  const trimmed = trimPath(path);
  return trimmed === '' ? host : `${host}/${trimmed}`;
}

/** Drops slashes at either end, then one `.git` suffix (and any slash it leaves behind). */
function trimPath(path: string): string {
  const bare = path.replace(/^\/+|\/+$/g, '');
  return bare.endsWith('.git') ? bare.slice(0, -'.git'.length).replace(/\/+$/, '') : bare;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The key two URLs of the same repository share: normalized, path lower-cased on CASE_INSENSITIVE_HOSTS. */
export function repoMatchKey(url: string): string {
  const normalized = normalizeRepoURL(url);
  const slash = normalized.indexOf('/');
  const host = slash === -1 ? normalized : normalized.slice(0, slash);
  return CASE_INSENSITIVE_HOSTS.has(host) ? normalized.toLowerCase() : normalized;
}

/** True when both URLs name the same repository (see the rule at the top of this file). */
export function sameRepo(a: string, b: string): boolean {
  return repoMatchKey(a) === repoMatchKey(b);
}
