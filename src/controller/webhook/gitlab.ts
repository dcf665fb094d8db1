/** GitLab push deliveries (X-Gitlab-Event: Push Hook | Tag Push Hook | System Hook). Pure. */
import { isRecord } from '../../core/objects.js';
import {
  changedPathsOf,
  commitOrUndefined,
  distinctStrings,
  invalidPayload,
  isZeroCommit,
  pushEvent,
  refTarget,
  requireRecord,
} from './payload-fields.js';
import type { WebhookOutcome } from './types.js';

const PUSH_EVENTS = new Set(['Push Hook', 'Tag Push Hook']);
const PUSH_KINDS = new Set(['push', 'tag_push']);

/** A GitLab delivery: push and tag push hooks become a PushEvent, every other hook is ignored. */
export function parseGitLabDelivery(eventName: string | undefined, payload: unknown): WebhookOutcome {
  const body = requireRecord('gitlab', payload, 'the payload');
  // System hooks carry every event under one header; the body says which.
  const isPush =
    eventName !== undefined &&
    (PUSH_EVENTS.has(eventName) ||
      (eventName === 'System Hook' &&
        typeof body.event_name === 'string' &&
        PUSH_KINDS.has(body.event_name)));
  if (!isPush) return { kind: 'ignored', reason: `event "${eventName ?? ''}" is not a push` };
  const repoURLs = repoURLsOf(body);
  if (typeof body.ref !== 'string') throw invalidPayload('gitlab', 'ref is missing');
  const target = refTarget(body.ref);
  if (target === undefined)
    return { kind: 'ignored', reason: 'the pushed ref is neither a branch nor a tag' };
  const after = commitOrUndefined(body.checkout_sha) ?? commitOrUndefined(body.after);
  const changedPaths = completeHistory(body) ? changedPathsOf(body.commits) : undefined;
  return { kind: 'push', events: [pushEvent('gitlab', repoURLs, target, after, changedPaths)] };
}

/** `project` holds the URLs since GitLab 8.5; older payloads and system hooks use `repository`. */
function repoURLsOf(body: Record<string, unknown>): string[] {
  const project = isRecord(body.project) ? body.project : {};
  const repository = isRecord(body.repository) ? body.repository : {};
  const urls = distinctStrings([
    project.git_http_url,
    project.git_ssh_url,
    project.web_url,
    repository.git_http_url,
    repository.git_ssh_url,
    repository.homepage,
  ]);
  if (urls.length === 0)
    throw invalidPayload('gitlab', 'project has no git_http_url, git_ssh_url or web_url');
  return urls;
}

/**
 * GitLab lists only the newest 20 commits (total_commits_count has the real number) and none for
 * a branch created without new commits; a new or deleted branch has no old tip to compare with.
 */
function completeHistory(body: Record<string, unknown>): boolean {
  if (isZeroCommit(body.before) || isZeroCommit(body.after)) return false;
  if (!Array.isArray(body.commits)) return false;
  const total = body.total_commits_count;
  return typeof total !== 'number' || total <= body.commits.length;
}
