/**
 * Safety checks on everything a user hands to git: repository URLs, ref names, commits and paths.
 * Pure; no I/O. Each check throws MooringError('UNSAFE_INPUT', step 'source') with a hint.
 */
import { MooringError } from '../core/errors.js';
import type { RefSpec } from './types.js';

/** The value of GIT_ALLOW_PROTOCOL for every git process: transports that cannot run commands. */
export const GIT_ALLOWED_PROTOCOLS = 'file:https:http:ssh';

/**
 * Schemes Mooring accepts. `http` is accepted for local and test servers only: it sends credentials
 * and content in clear text, so real repositories should use https or ssh.
 */
const ALLOWED_SCHEMES = new Set(['https', 'http', 'ssh', 'file']);

// Whitespace, C0 controls and DEL: git would split or misread them, and they hide things in logs.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\s\x00-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `[user@]host:path` where no '/' comes before the first ':' (git's own rule for scp-like syntax). */
const SCP_LIKE = /^(?:([^@/:]+)@)?([^@/:]+):(.+)$/;
const MAX_URL_LENGTH = 2048;
/** `host`, `host:port` or `[v6]:port` (what is left of an authority once user info is gone). */
const HOST_PORT = /^(\[[^\]]*\]|[^:[\]]*)(:\d*)?$/;

function unsafe(message: string, hint: string, subject?: string): MooringError {
  return new MooringError('UNSAFE_INPUT', message, { step: 'source', hint, subject });
}

/**
 * Refuses a repository URL that could make git run a command or read an option: transport helpers
 * (`ext::`, `fd::`, `x::`), schemes other than https/http/ssh/file, whitespace or control characters,
 * a leading '-', a host or user that starts with '-', and passwords inside the URL.
 * `http://` is accepted for local and test servers only (clear text); use https or ssh otherwise.
 */
export function validateRepoURL(url: string): void {
  const shown = displayURL(url);
  const refuse = (why: string, hint = 'use an https://, ssh://, git@host:path or file:// URL'): never => {
    throw unsafe(`refusing repository URL "${shown}": ${why}`, hint, shown);
  };
  if (url.length === 0) refuse('it is empty');
  if (url.length > MAX_URL_LENGTH) refuse(`it is longer than ${MAX_URL_LENGTH} characters`);
  if (CONTROL_OR_SPACE.test(url)) refuse('it contains whitespace or control characters');
  if (url.startsWith('-')) refuse('it starts with "-" and git would read it as an option');
  const scheme = SCHEME_URL.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (/^[^/]*::/.test(url)) refuse('git transport helpers ("ext::", "fd::", ...) can run commands');
    validateScpLike(url, refuse);
    return;
  }
  if (!ALLOWED_SCHEMES.has(scheme)) refuse(`the "${scheme}://" transport is not allowed`);
  if (scheme === 'file') {
    if (url.length <= 'file://'.length) refuse('it names no path');
    return;
  }
  validateNetworkURL(url, refuse);
}

function validateScpLike(url: string, refuse: (why: string, hint?: string) => never): void {
  // `user:password@host:path`: git would read "user" as the host and send the rest as a path.
  if (url.slice(0, Math.max(0, scpUserInfoEnd(url))).includes(':'))
    refuse('it contains a password', 'remove the password from the URL and put it in the secretRef');
  const match = SCP_LIKE.exec(url);
  if (match === null) refuse('it is neither a scheme://host/path URL nor user@host:path');
  const [, user = '', host = '', path = ''] = match;
  if (user.startsWith('-') || host.startsWith('-')) refuse('its user or host starts with "-"');
  if (path.startsWith('-')) refuse('its path starts with "-"');
}

function validateNetworkURL(url: string, refuse: (why: string, hint?: string) => never): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('it is not a valid URL');
  }
  if (parsed.hostname === '') refuse('it names no host');
  if (parsed.hostname.startsWith('-') || decodeURIComponent(parsed.username).startsWith('-'))
    refuse('its user or host starts with "-"');
  if (parsed.password !== '')
    refuse('it contains a password', 'remove the password from the URL and put it in the secretRef');
}

/** True for a file:// URL (any case of the scheme): a repository on the local disk. */
export function isFileRepoURL(url: string): boolean {
  return SCHEME_URL.exec(url.trimStart())?.[1]?.toLowerCase() === 'file';
}

/** The URL without user info or password, safe for messages, status and logs. Never throws. */
export function displayURL(url: string): string {
  // Control characters would let a URL rewrite the log line it is printed in.
  const printable = url.replace(/[\x00-\x1f\x7f]/g, '?'); // eslint-disable-line no-control-regex
  const scheme = SCHEME_URL.exec(printable);
  return scheme === null
    ? withoutScpUserInfo(printable)
    : scheme[0] + withoutUserInfo(printable.slice(scheme[0].length), '');
}

/**
 * `host[:port]/path` from `[userinfo@]host[:port]/path` (what follows `scheme://`), the user info
 * replaced by `mark` ('' or '***@'). The authority ends at the first '/', '?', '#' or '\\'; when what
 * is left of it is not `host[:digits]`, the user info itself held one of those characters
 * (`user:p/ss@host`), so everything up to the last '@' goes.
 */
export function withoutUserInfo(rest: string, mark: string): string {
  const end = rest.search(/[/?#\\]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (HOST_PORT.test(authority.slice(at + 1))) return at < 0 ? rest : mark + rest.slice(at + 1);
  const lastAt = rest.lastIndexOf('@');
  return lastAt < 0 ? rest : `***@${rest.slice(lastAt + 1)}`;
}

/** Where the user info of scp-like `[user[:password]@]host:path` ends: the last '@' before the last ':'. */
function scpUserInfoEnd(url: string): number {
  const colon = url.lastIndexOf(':');
  return colon < 0 ? -1 : url.lastIndexOf('@', colon);
}

/** `host:path` from scp-like `[user[:password]@]host:path`. */
function withoutScpUserInfo(url: string): string {
  return url.slice(scpUserInfoEnd(url) + 1);
}

/**
 * Refuses a branch or tag name that git's check-ref-format would refuse, or that git could read as an
 * option ('-x') or a revision expression ('a..b', 'x@{1}', 'x^', 'x~1', 'x:path').
 */
export function validateRefName(name: string, kind: 'branch' | 'tag'): void {
  const refuse = (why: string): never => {
    throw unsafe(
      `refusing ${kind} name "${name.replace(CONTROL, '?')}": ${why}`,
      `use a plain ${kind} name such as "main" or "v1.2.0"`,
      name.replace(CONTROL, '?'),
    );
  };
  if (name.length === 0) refuse('it is empty');
  if (name.length > 255) refuse('it is longer than 255 characters');
  if (name.startsWith('-')) refuse('it starts with "-" and git would read it as an option');
  if (CONTROL_OR_SPACE.test(name)) refuse('it contains whitespace or control characters');
  if (/[~^:?*[\\]/.test(name)) refuse('it contains one of ~ ^ : ? * [ \\');
  if (name.includes('..')) refuse('it contains ".."');
  if (name.includes('@{')) refuse('it contains "@{"');
  if (name === '@') refuse('"@" alone is not a ref name');
  if (name.includes('//') || name.startsWith('/') || name.endsWith('/')) refuse('it has an empty path part');
  if (name.endsWith('.')) refuse('it ends with "."');
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')))
    refuse('a part starts with "." or ends with ".lock"');
}

/** Refuses anything but 7 to 40 hex digits; returns the commit in lower case. */
export function validateCommitId(commit: string): string {
  if (!/^[0-9a-fA-F]{7,40}$/.test(commit))
    throw unsafe(
      `refusing commit "${commit.replace(CONTROL, '?')}": a commit is 7 to 40 hexadecimal digits`,
      'give the commit id (at least 7 characters of it)',
      commit.replace(CONTROL, '?'),
    );
  return commit.toLowerCase();
}

/** Character-level checks of a semver range; whether it parses is checked by semver.ts. */
export function validateRangeText(range: string): void {
  if (range.trim().length === 0 || range.length > 256 || CONTROL.test(range) || range.startsWith('-'))
    throw unsafe(
      `refusing semver range "${range.replace(CONTROL, '?')}"`,
      'use a range such as "^1.2.0" or ">=1.0.0 <2"',
      range.replace(CONTROL, '?'),
    );
}

/** Validates one RefSpec (the range's syntax is left to semver.ts). */
export function validateRefSpec(ref: RefSpec): void {
  if ('branch' in ref) validateRefName(ref.branch, 'branch');
  else if ('tag' in ref) validateRefName(ref.tag, 'tag');
  else if ('semver' in ref) validateRangeText(ref.semver);
  else validateCommitId(ref.commit);
}

/**
 * The application's path relative to the repository root: '', '.', './' => ''; './apps/x/' => 'apps/x'.
 * Refuses absolute paths, '..' parts, backslashes and control characters.
 */
export function normaliseSourcePath(path: string): string {
  const refuse = (why: string): never => {
    throw unsafe(
      `refusing path "${path.replace(CONTROL, '?')}": ${why}`,
      'give a folder relative to the repository root, such as "apps/web"',
      path.replace(CONTROL, '?'),
    );
  };
  if (CONTROL.test(path)) refuse('it contains control characters');
  if (path.includes('\\')) refuse('it contains a backslash');
  if (path.startsWith('/')) refuse('it is absolute');
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) refuse('it contains ".."');
  return parts.join('/');
}
