/**
 * Bitbucket Cloud push deliveries (X-Event-Key: repo:push). One push may move several branches
 * and tags: each change becomes its own PushEvent. Bitbucket lists no files, so changedPaths is
 * never known. Pure.
 */
import { isRecord } from '../../core/objects.js';
import {
  commitOrUndefined,
  distinctStrings,
  invalidPayload,
  optionalString,
  pushEvent,
  requireRecord,
} from './payload-fields.js';
import type { PushEvent, WebhookOutcome } from './types.js';

/** A Bitbucket Cloud delivery: `repo:push` becomes PushEvents, the test ping is answered. */
export function parseBitbucketDelivery(eventKey: string | undefined, payload: unknown): WebhookOutcome {
  if (eventKey === 'diagnostics:ping') return { kind: 'ping' };
  if (eventKey !== 'repo:push') return { kind: 'ignored', reason: `event "${eventKey ?? ''}" is not a push` };
  const body = requireRecord('bitbucket', payload, 'the payload');
  const repoURLs = repoURLsOf(requireRecord('bitbucket', body.repository, 'repository'));
  const push = requireRecord('bitbucket', body.push, 'push');
  if (!Array.isArray(push.changes)) throw invalidPayload('bitbucket', 'push.changes is not a list');
  const events = push.changes.flatMap((change) => eventOf(repoURLs, change));
  return { kind: 'push', events };
}

function repoURLsOf(repository: Record<string, unknown>): string[] {
  const links = isRecord(repository.links) ? repository.links : {};
  const html = isRecord(links.html) ? links.html.href : undefined;
  const fullName = optionalString(repository.full_name);
  const clone = fullName === undefined ? undefined : `https://bitbucket.org/${fullName}.git`;
  const urls = distinctStrings([clone, html]);
  if (urls.length === 0) throw invalidPayload('bitbucket', 'repository has no full_name or links.html.href');
  return urls;
}

/** `new` is the ref after the push; it is null when the ref was deleted, and `old` names it then. */
function eventOf(repoURLs: string[], change: unknown): PushEvent[] {
  if (!isRecord(change)) return [];
  const ref = isRecord(change.new) ? change.new : isRecord(change.old) ? change.old : undefined;
  const name = optionalString(ref?.name);
  if (ref === undefined || name === undefined) return [];
  const target = ref.type === 'tag' ? { tag: name } : ref.type === 'branch' ? { branch: name } : undefined;
  if (target === undefined) return [];
  const after =
    isRecord(change.new) && isRecord(change.new.target)
      ? commitOrUndefined(change.new.target.hash)
      : undefined;
  return [pushEvent('bitbucket', repoURLs, target, after, undefined)];
}
