/**
 * The environment of every git process Mooring runs, and the pure parts of credential handling:
 * the askpass script, the ssh command line, and scrubbing secrets out of git's output. No I/O.
 */
import { GIT_ALLOWED_PROTOCOLS, withoutUserInfo } from './validate.js';
import type { GitCredentials } from './types.js';

/** Variables passed through from Mooring's own environment: how to reach the network, nothing else. */
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'TMPDIR',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
];

/** Names of the variables the askpass helper reads; only the git process's environment holds them. */
export const ASKPASS_USERNAME_VAR = 'MOORING_GIT_USERNAME';
export const ASKPASS_PASSWORD_VAR = 'MOORING_GIT_PASSWORD';
/** Scheme and `host[:port]` the askpass helper answers for; a prompt about any other server gets nothing. */
export const ASKPASS_SCHEME_VAR = 'MOORING_GIT_SCHEME';
export const ASKPASS_HOST_VAR = 'MOORING_GIT_HOST';

/**
 * Git configuration of authenticated calls, passed as GIT_CONFIG_COUNT/KEY/VALUE (never a config file a
 * render could reach): no HTTP redirects at all, so a server cannot send git, and the credential it
 * would then ask for, to another host.
 */
export function authenticatedGitConfig(): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.followRedirects',
    GIT_CONFIG_VALUE_0: 'false',
  };
}

/**
 * Scheme and `host[:port]` of an http(s) URL as git shows it in its prompts ("Password for
 * 'https://user@host:port'"), or undefined for other URLs.
 */
export function promptOrigin(url: string): { scheme: string; host: string } | undefined {
  const match = /^(https?):\/\/([^/?#\\]*)/i.exec(url);
  if (match === null) return undefined;
  const authority = match[2] ?? '';
  return { scheme: (match[1] ?? '').toLowerCase(), host: authority.slice(authority.lastIndexOf('@') + 1) };
}

/**
 * Environment for git: no user or system config (so no credential helpers, aliases or url rewrites),
 * no prompts, only transports that cannot run commands, C locale (stable messages to classify), and
 * `extra` (credential variables) on top.
 */
export function gitEnv(
  extra: Readonly<Record<string, string>> = {},
  from: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_THROUGH) if (from[name] !== undefined) env[name] = from[name];
  return {
    ...env,
    LC_ALL: 'C',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: GIT_ALLOWED_PROTOCOLS,
    // Without an askpass of ours, git must fail rather than ask anything.
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    // Without a key of ours, ssh may use the user's keys and config but must never prompt.
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    // Fail a connection that stalls below 1 KB/s for 30 s instead of hanging until the timeout.
    GIT_HTTP_LOW_SPEED_LIMIT: '1000',
    GIT_HTTP_LOW_SPEED_TIME: '30',
    ...extra,
  };
}

/**
 * The askpass helper: git runs it with a prompt ("Username for ..." / "Password for ...") and reads
 * the answer from stdout. It holds no secret itself; it prints the variables git was given, and only
 * for prompts about the server named in its environment (when one is named).
 */
export function askpassScript(): string {
  const origin = `$${ASKPASS_SCHEME_VAR}://`;
  const host = `$${ASKPASS_HOST_VAR}`;
  return [
    '#!/bin/sh',
    `if [ -n "\${${ASKPASS_HOST_VAR}-}" ]; then`,
    '  case "$1" in',
    `    *"'${origin}${host}'"*|*"'${origin}"*"@${host}'"*) ;;`,
    '    *) exit 1 ;;',
    '  esac',
    'fi',
    'case "$1" in',
    `  Username*) printf '%s\\n' "$${ASKPASS_USERNAME_VAR}" ;;`,
    `  *) printf '%s\\n' "$${ASKPASS_PASSWORD_VAR}" ;;`,
    'esac',
    '',
  ].join('\n');
}

/** Quotes one word for a POSIX shell (git runs GIT_SSH_COMMAND through `sh -c`). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * GIT_SSH_COMMAND for a private key and a known_hosts file: only that key, only known hosts,
 * never a prompt.
 */
export function sshCommand(keyPath: string, knownHostsPath: string): string {
  return [
    'ssh',
    '-i',
    shellQuote(keyPath),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    shellQuote(`UserKnownHostsFile=${knownHostsPath}`),
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-F',
    '/dev/null',
  ].join(' ');
}

/** The strings that must never appear in anything Mooring keeps or shows. */
export function secretsOf(credentials: GitCredentials | undefined): string[] {
  if (credentials === undefined) return [];
  if (credentials.kind === 'ssh') return [credentials.privateKey.trim()].filter((s) => s.length > 0);
  // Short usernames ("git", "oauth2") are not secret and would garble every message if scrubbed.
  return [credentials.password, ...(credentials.username.length >= 4 ? [credentials.username] : [])].filter(
    (s) => s.length > 0,
  );
}

/**
 * `text` with every secret (as given and percent-encoded), and the user info of any URL in it, replaced
 * by '***': `scheme://user:pass@host` (up to the last '@' before the path, so a password holding '@'
 * goes whole) and scp-like `user:pass@host:path`.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text
    .replace(
      /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s'"<>]+)/gi,
      (_, scheme: string, rest: string) => scheme + withoutUserInfo(rest, '***@'),
    )
    .replace(/(^|[\s'"(<=])[^\s'"/@:]+:[^\s'"]*@(?=[^\s'"@:/]+:)/g, '$1***@');
  const forms = secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]);
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...new Set(forms)].sort((a, b) => b.length - a.length))
    if (secret.length > 0) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}
