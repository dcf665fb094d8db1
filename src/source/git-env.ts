/**
 * The environment of every git process Mooring runs, and the pure parts of credential handling:
 * the askpass script, the ssh command line, and scrubbing secrets out of git's output. No I/O.
 */
import { GIT_ALLOWED_PROTOCOLS } from './validate.js';
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
 * the answer from stdout. It holds no secret itself; it prints the variables git was given.
 */
export function askpassScript(): string {
  return [
    '#!/bin/sh',
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

/** `text` with every secret, and the user info of any URL in it, replaced by '***'. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}
