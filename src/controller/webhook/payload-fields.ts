/** Small readers of untrusted webhook JSON shared by the provider parsers. Pure. */
import { MooringError } from '../../core/errors.js';
import { isRecord } from '../../core/objects.js';
import type { PushEvent, WebhookProvider } from './types.js';

const ZERO_SHA = /^0+$/;
const MAX_FIELD_LENGTH = 4096;

/** A payload the receiver cannot read; the server answers 400 with the message. */
export function invalidPayload(provider: WebhookProvider, why: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', `invalid ${provider} payload: ${why}`, {
    subject: `webhook/${provider}`,
    hint: 'check the webhook is configured to send push events as JSON',
  });
}

/** The record at `value`, or a 400 naming `what`. */
export function requireRecord(
  provider: WebhookProvider,
  value: unknown,
  what: string,
): Record<string, unknown> {
  if (!isRecord(value)) throw invalidPayload(provider, `${what} is not an object`);
  return value;
}

/** A non-empty string of sane length, or undefined. */
export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH
    ? value
    : undefined;
}

/** The distinct non-empty strings among `values`, in order. */
export function distinctStrings(values: readonly unknown[]): string[] {
  const found: string[] = [];
  for (const value of values) {
    const text = optionalString(value);
    if (text !== undefined && !found.includes(text)) found.push(text);
  }
  return found;
}

/** A commit id, or undefined for the all-zero id providers send when a ref was deleted. */
export function commitOrUndefined(value: unknown): string | undefined {
  const sha = optionalString(value);
  return sha === undefined || ZERO_SHA.test(sha) ? undefined : sha;
}

/** True for the all-zero id that stands for "no commit" (a ref created or deleted). */
export function isZeroCommit(value: unknown): boolean {
  return typeof value === 'string' && ZERO_SHA.test(value);
}

/** `refs/heads/x` => {branch: x}, `refs/tags/x` => {tag: x}; anything else => undefined. */
export function refTarget(ref: unknown): { branch: string } | { tag: string } | undefined {
  const name = optionalString(ref);
  if (name?.startsWith('refs/heads/') === true && name.length > 'refs/heads/'.length)
    return { branch: name.slice('refs/heads/'.length) };
  if (name?.startsWith('refs/tags/') === true && name.length > 'refs/tags/'.length)
    return { tag: name.slice('refs/tags/'.length) };
  return undefined;
}

/**
 * The union of `added`, `modified` and `removed` over `commits`, or undefined when a commit does
 * not list them or nothing is listed at all (merge commits list no files, so an empty union does
 * not prove the push touched nothing).
 */
export function changedPathsOf(commits: unknown): string[] | undefined {
  if (!Array.isArray(commits) || commits.length === 0) return undefined;
  const paths = new Set<string>();
  for (const commit of commits) {
    if (!isRecord(commit)) return undefined;
    for (const field of ['added', 'modified', 'removed']) {
      const list = commit[field];
      if (!Array.isArray(list)) return undefined;
      for (const path of list) if (typeof path === 'string' && path.length > 0) paths.add(path);
    }
  }
  return paths.size === 0 ? undefined : [...paths].sort();
}

/** Builds a PushEvent leaving out the optional fields that are undefined (exactOptionalPropertyTypes). */
export function pushEvent(
  provider: WebhookProvider,
  repoURLs: string[],
  target: { branch: string } | { tag: string },
  after: string | undefined,
  changedPaths: string[] | undefined,
): PushEvent {
  const event: PushEvent = { provider, repoURLs, ...target };
  // A tag names a whole snapshot: which files differ from what an app runs now is unknown.
  if (changedPaths !== undefined && 'branch' in target) event.changedPaths = changedPaths;
  if (after !== undefined) event.after = after;
  return event;
}

/** The first value of a header (node gives repeated headers as arrays). */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
