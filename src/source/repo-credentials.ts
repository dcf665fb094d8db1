/**
 * Repository credentials bound to URL prefixes (Argo CD's repository credential templates are the
 * anchor, with a stricter match): which labelled Secret, if any, may authenticate a fetch of a
 * repository URL. Pure; no I/O: the controller reads the Secrets (src/controller/source-access.ts).
 */
import { MooringError } from '../core/errors.js';
import type { GitCredentials } from './types.js';
import { displayURL } from './validate.js';

/** Label that makes a Secret a Mooring repository credential. */
export const CREDENTIAL_TYPE_LABEL = 'mooring.dev/credential-type';
/** The only value of CREDENTIAL_TYPE_LABEL that counts. */
export const CREDENTIAL_TYPE_REPOSITORY = 'repository';

/** One repository credential Secret, decoded. */
export interface RepoCredentialSecret {
  /** `namespace/name`, for messages. */
  name: string;
  /** Carries `mooring.dev/credential-type: repository`. */
  labelled: boolean;
  /** The URL prefix it is bound to (key `url`). */
  url: string | undefined;
  /** `insecureAllowHTTP: "true"`: may be sent over plain http://. */
  insecureAllowHTTP: boolean;
  /** Undefined when the Secret holds neither password/token nor sshPrivateKey+knownHosts. */
  credentials: GitCredentials | undefined;
}

/** A repository location as credentials are matched against it. */
export interface CredentialLocation {
  /** https, http or ssh (scp-like `user@host:path` counts as ssh). */
  scheme: string;
  /** Lower-case host, with the port when it is not the scheme's default. */
  host: string;
  /** Path segments, without a trailing '.git' on the last one. */
  segments: string[];
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { https: '443', http: '80', ssh: '22' };
const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\\]*)(.*)$/s;
const SCP_LIKE = /^(?:[^@/:]+@)?([^@/:]+):(.*)$/s;
const HOST = /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/;

/**
 * The location of `url` if it is in canonical form, else undefined. Canonical: a lower-case DNS name or
 * IP literal as host, no query or fragment, no empty, '.' or '..' path segment, no backslash and no
 * percent-encoded '.', '/' or '\' — every form that a URL parser, curl and a Git server could read as
 * different paths. A URL that is not canonical never receives a credential.
 */
export function credentialLocation(url: string): CredentialLocation | undefined {
  const scheme = SCHEME_URL.exec(url);
  if (scheme !== null) {
    const [, name = '', authority = '', rest = ''] = scheme;
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    return locationOf(name.toLowerCase(), hostPort, rest);
  }
  const scp = SCP_LIKE.exec(url);
  if (scp === null) return undefined;
  const [, host = '', path = ''] = scp;
  return locationOf('ssh', host, `/${path}`);
}

function locationOf(scheme: string, hostPort: string, rawPath: string): CredentialLocation | undefined {
  if (!(scheme in DEFAULT_PORTS)) return undefined;
  const portMatch = /^(.*?)(?::(\d{1,5}))?$/.exec(hostPort);
  const host = (portMatch?.[1] ?? '').toLowerCase();
  const port = portMatch?.[2];
  if (!HOST.test(host) || host.startsWith('-')) return undefined;
  const path = rawPath.replace(/\/+$/, '');
  if (path !== '' && !path.startsWith('/')) return undefined;
  if (/[?#\\]|%2e|%2f|%5c/i.test(path)) return undefined;
  const segments = path === '' ? [] : path.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  const last = segments.length - 1;
  if (last >= 0) segments[last] = (segments[last] ?? '').replace(/\.git$/, '');
  if (segments[last] === '') segments.pop();
  const withPort = port === undefined || port === DEFAULT_PORTS[scheme] ? host : `${host}:${port}`;
  return { scheme, host: withPort, segments };
}

/**
 * True when the credential bound to `prefix` may be used for `repoURL`: same scheme, same host and port,
 * and `prefix`'s path segments are the first segments of `repoURL`'s (so `https://h/org` covers
 * `https://h/org/app.git` but not `https://h/organisation` nor `https://h.evil.net/org`).
 */
export function credentialMatches(prefix: string, repoURL: string): boolean {
  return matchLength(prefix, repoURL) !== undefined;
}

/** How many path segments of `prefix` matched, or undefined when it does not cover `repoURL`. */
function matchLength(prefix: string, repoURL: string): number | undefined {
  const bound = credentialLocation(prefix);
  const wanted = credentialLocation(repoURL);
  if (bound === undefined || wanted === undefined) return undefined;
  if (bound.scheme !== wanted.scheme || bound.host !== wanted.host) return undefined;
  if (bound.segments.length > wanted.segments.length) return undefined;
  return bound.segments.every((segment, i) => segment === wanted.segments[i])
    ? bound.segments.length
    : undefined;
}

/** What credential a fetch gets, and from which Secret (for messages; never the values). */
export interface CredentialChoice {
  credentials: GitCredentials | undefined;
  /** `namespace/name` of the Secret used. */
  secret?: string;
}

/** One rule a credential must keep to be sent; `broken` says whether this secret breaks it for this URL. */
interface CredentialRule {
  broken(secret: RepoCredentialSecret, location: CredentialLocation | undefined, repoURL: string): boolean;
  message(secret: RepoCredentialSecret, url: string): string;
  hint: string;
}

const LABEL = `${CREDENTIAL_TYPE_LABEL}: ${CREDENTIAL_TYPE_REPOSITORY}`;
const kindOf = (secret: RepoCredentialSecret): string | undefined => secret.credentials?.kind;

/** Checked in order; the first broken rule refuses the credential. */
const CREDENTIAL_RULES: readonly CredentialRule[] = [
  {
    broken: (secret) => !secret.labelled,
    message: (secret) =>
      `secret ${secret.name} is not a repository credential (label ${LABEL} missing); only labelled secrets are sent to Git servers`,
    hint: `label the secret ${CREDENTIAL_TYPE_LABEL}=${CREDENTIAL_TYPE_REPOSITORY} and give it the key url (the repository URL prefix it is for)`,
  },
  {
    broken: (secret) => secret.url === undefined,
    message: (secret) =>
      `secret ${secret.name} has no url key: a repository credential is bound to the URL prefix it may be sent to`,
    hint: 'add the key url to the secret, e.g. https://git.example.com/org',
  },
  {
    broken: (_, location) => location === undefined,
    message: (_, url) =>
      `repository URL ${url} is not in canonical form (query, fragment, empty or dot path segments, encoded separators, or an unusual host), so no credential is sent to it`,
    hint: 'write the repository URL plainly, e.g. https://git.example.com/org/repo.git',
  },
  {
    broken: (secret, _, repoURL) => !credentialMatches(secret.url ?? '', repoURL),
    message: (secret, url) =>
      `secret ${secret.name} is bound to ${displayURL(secret.url ?? '')}, which does not cover ${url}: a credential is only sent to URLs under its prefix`,
    hint: 'use a credential whose url covers this repository (same scheme, host and leading path)',
  },
  {
    broken: (secret, location) => location?.scheme === 'http' && !secret.insecureAllowHTTP,
    message: (secret, url) =>
      `secret ${secret.name} would be sent in clear text over http:// to ${url}; credentials go over http:// only when the secret says insecureAllowHTTP: "true"`,
    hint: 'use https://, or set insecureAllowHTTP: "true" in the secret for a trusted local server',
  },
  {
    broken: (secret) => secret.credentials === undefined,
    message: (secret) => `secret ${secret.name} has neither password/token nor sshPrivateKey+knownHosts`,
    hint: 'add the keys the repository needs to the secret',
  },
  {
    broken: (secret, location) => (location?.scheme === 'ssh') !== (kindOf(secret) === 'ssh'),
    message: (secret, url) =>
      `secret ${secret.name} holds ${kindOf(secret) === 'ssh' ? 'an ssh key' : 'a user name and password'}, which ${url} cannot use`,
    hint: 'give an https repository username and password (or token), an ssh one sshPrivateKey and knownHosts',
  },
];

/**
 * The credential of an Application's fetch of `repoURL`.
 * - `named` (spec.source.secretRef): that Secret, only if it is labelled, bound to a prefix covering
 *   `repoURL`, allowed over http:// when the URL is http://, and of the kind the scheme needs; otherwise
 *   UNSAFE_INPUT naming the app and the rule.
 * - nothing named: the labelled Secret of `candidates` with the longest prefix covering `repoURL` (a
 *   template), or none. A template found for a URL it may not be used with (plain http) is an error, not
 *   a silent anonymous fetch.
 */
export function chooseCredential(
  app: string,
  repoURL: string,
  named: RepoCredentialSecret | undefined,
  candidates: readonly RepoCredentialSecret[],
): CredentialChoice {
  const chosen = named ?? longestMatch(repoURL, candidates);
  if (chosen === undefined) return { credentials: undefined };
  const location = credentialLocation(repoURL);
  const broken = CREDENTIAL_RULES.find((rule) => rule.broken(chosen, location, repoURL));
  if (broken !== undefined)
    throw new MooringError('UNSAFE_INPUT', `${app}: ${broken.message(chosen, displayURL(repoURL))}`, {
      step: 'source',
      subject: displayURL(repoURL),
      hint: broken.hint,
    });
  return { credentials: chosen.credentials, secret: chosen.name };
}

function longestMatch(
  repoURL: string,
  candidates: readonly RepoCredentialSecret[],
): RepoCredentialSecret | undefined {
  let best: { secret: RepoCredentialSecret; length: number } | undefined;
  for (const secret of candidates) {
    if (!secret.labelled || secret.url === undefined) continue;
    const length = matchLength(secret.url, repoURL);
    if (length === undefined) continue;
    // Ties go to the first by name, so the choice does not depend on list order.
    if (
      best === undefined ||
      length > best.length ||
      (length === best.length && secret.name < best.secret.name)
    )
      best = { secret, length };
  }
  return best?.secret;
}
