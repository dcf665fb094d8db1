/**
 * Turns git's failures into SOURCE_FAILED errors a person can act on: a plain message naming the
 * repository (display URL, never credentials) and a hint. Pure; no I/O.
 */
import { MooringError } from '../core/errors.js';
import { GitCommandError } from './git-run.js';

interface FailureKind {
  pattern: RegExp;
  what: string;
  hint: string;
}

/** Checked in order; the first that matches git's stderr decides. */
const FETCH_FAILURES: readonly FailureKind[] = [
  {
    pattern:
      /Authentication failed|could not read (Username|Password)|HTTP (401|403)|returned error: 40[13]|Permission denied \(publickey|Permission denied, please try again|Invalid username or password/i,
    what: 'authentication failed',
    hint: 'check the credentials in the secretRef (user name and token, or ssh key) and that they may read this repository',
  },
  {
    pattern: /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i,
    what: 'the ssh host key is not in known_hosts or does not match',
    hint: 'check knownHosts in the secretRef (ssh-keyscan the host and verify the fingerprint)',
  },
  {
    pattern:
      /Could not resolve host|Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i,
    what: 'the host name does not resolve',
    hint: 'check the host name in the repository URL and the DNS of the machine running Mooring',
  },
  {
    pattern:
      /Connection refused|Failed to connect|Couldn't connect|Connection timed out|Network is unreachable|No route to host|Connection reset/i,
    what: 'the server cannot be reached',
    hint: 'check the host and port in the repository URL, and that the Git server is up and reachable from here',
  },
  {
    pattern: /SSL certificate problem|server certificate verification failed|unable to get local issuer/i,
    what: "the server's TLS certificate is not trusted",
    hint: 'check the server certificate, or give Mooring the CA bundle (SSL_CERT_FILE)',
  },
  {
    pattern:
      /not found|does not appear to be a git repository|HTTP 404|returned error: 404|No such file or directory/i,
    what: 'the repository does not exist (or is not visible with these credentials)',
    hint: 'check the repository URL, and the credentials if the repository is private',
  },
  {
    pattern: /transport '[^']*' not allowed/i,
    what: 'the transport is not allowed',
    hint: 'use an https://, ssh:// or file:// URL',
  },
];

/**
 * SOURCE_FAILED for a failed fetch or ls-remote of `url` (a display URL). The cause is the scrubbed
 * GitCommandError, so the whole chain is free of secrets.
 */
export function fetchFailure(error: unknown, url: string, timeoutMs: number): MooringError {
  if (!(error instanceof GitCommandError))
    return sourceFailed(`cannot fetch ${url}`, 'see the cause', error, url);
  if (error.timedOut)
    return sourceFailed(
      `fetching ${url} timed out after ${timeoutMs / 1000} s`,
      'check that the server is reachable and responsive, or raise the timeout for large repositories',
      error,
      url,
    );
  const kind = FETCH_FAILURES.find((candidate) => candidate.pattern.test(error.stderr));
  const detail = detailOf(error.stderr, kind?.pattern);
  return kind === undefined
    ? sourceFailed(`cannot fetch ${url}: ${detail}`, 'check the repository URL and credentials', error, url)
    : sourceFailed(`cannot fetch ${url}: ${kind.what} (${detail})`, kind.hint, error, url);
}

/** SOURCE_FAILED about one repository, with step 'source' and the URL as subject. */
export function sourceFailed(message: string, hint: string, cause: unknown, url: string): MooringError {
  return new MooringError('SOURCE_FAILED', message, { step: 'source', subject: url, hint, cause });
}

/** The line of git's stderr that says what went wrong: the one that matched, else the first fatal one. */
function detailOf(stderr: string, pattern: RegExp | undefined): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const line =
    (pattern === undefined ? undefined : lines.find((l) => pattern.test(l))) ??
    lines.find((l) => l.startsWith('fatal: ')) ??
    lines.at(-1) ??
    'no message from git';
  return line.replace(/^(fatal|error): /, '').trim();
}
