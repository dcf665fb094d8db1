/**
 * GitHub push deliveries (X-GitHub-Event: push | ping), and the GitHub-shaped payload Gitea and
 * Forgejo send too. Pure: the signature is checked before these run.
 */
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
import type { WebhookOutcome, WebhookProvider } from './types.js';

/**
 * GitHub lists at most 20 commits in some deliveries (its docs tie the cap to timeline events,
 * but a full list cannot be told from a capped one), so 20 listed commits means "maybe more".
 */
export const GITHUB_LISTED_COMMITS_CAP = 20;

interface GitHubStyleOptions {
  /** A list this long may be capped: treat the changed files as unknown. */
  listedCommitsCap?: number;
}

/** Turns a GitHub-shaped push payload into one PushEvent (or `ignored` for refs outside heads/tags). */
export function parseGitHubStylePush(
  provider: WebhookProvider,
  payload: unknown,
  options: GitHubStyleOptions = {},
): WebhookOutcome {
  const body = requireRecord(provider, payload, 'the payload');
  const repository = requireRecord(provider, body.repository, 'repository');
  const repoURLs = distinctStrings([repository.clone_url, repository.ssh_url, repository.html_url]);
  if (repoURLs.length === 0)
    throw invalidPayload(provider, 'repository has no clone_url, ssh_url or html_url');
  if (typeof body.ref !== 'string') throw invalidPayload(provider, 'ref is missing');
  const target = refTarget(body.ref);
  if (target === undefined)
    return { kind: 'ignored', reason: 'the pushed ref is neither a branch nor a tag' };
  const changedPaths = completeHistory(body, options) ? changedPathsOf(body.commits) : undefined;
  return {
    kind: 'push',
    events: [pushEvent(provider, repoURLs, target, commitOrUndefined(body.after), changedPaths)],
  };
}

/**
 * True when the listed commits are the whole difference between the old and the new tip, so
 * their files are exactly what changed. Not so for new or deleted refs (no old tip), force pushes
 * (the old tip's own commits vanished) or a list that may be capped.
 */
function completeHistory(body: Record<string, unknown>, options: GitHubStyleOptions): boolean {
  if (body.created === true || body.deleted === true || body.forced === true) return false;
  if (isZeroCommit(body.before) || isZeroCommit(body.after)) return false;
  if (!Array.isArray(body.commits)) return false;
  const listed = body.commits.length;
  if (options.listedCommitsCap !== undefined && listed >= options.listedCommitsCap) return false;
  // Gitea and Forgejo give the real count next to a list capped by their feed setting.
  if (typeof body.total_commits === 'number' && body.total_commits > listed) return false;
  return true;
}

/** A GitHub delivery: `push` events become PushEvents, `ping` is answered, the rest ignored. */
export function parseGitHubDelivery(eventName: string | undefined, payload: unknown): WebhookOutcome {
  if (eventName === 'ping') return { kind: 'ping' };
  if (eventName !== 'push') return { kind: 'ignored', reason: `event "${eventName ?? ''}" is not a push` };
  return parseGitHubStylePush('github', payload, { listedCommitsCap: GITHUB_LISTED_COMMITS_CAP });
}
