/**
 * What GitHub, GitLab and Gitea/Forgejo commit statuses share: one status per app on the commit it synced,
 * named `mooring/<app>`, whose state says whether that commit is deployed and healthy; the repository from
 * the sink's `repository` or the app's repoURL. Pure.
 */
import type { NotifyEventName } from '../../crd/notification-policy.js';
import { MooringError } from '../../core/errors.js';
import type { AppSection, NotificationMessage } from '../message.js';

/**
 * The commit-status verdict of an event; drift is not about a commit and sets none, nor is an image
 * automation's commit (its sync says whether it is deployed).
 */
export type CommitVerdict = 'success' | 'failure' | 'pending';

export function verdictOf(event: NotifyEventName): CommitVerdict | undefined {
  switch (event) {
    case 'sync-succeeded':
    case 'recovered':
    case 'rollback':
    case 'rollout-promoted':
      return 'success';
    case 'sync-failed':
    case 'health-degraded':
    case 'rollout-aborted':
      return 'failure';
    case 'out-of-sync':
    case 'rollout-started':
      return 'pending';
    case 'drift-detected':
    case 'drift-corrected':
    case 'image-updated':
    case 'image-held':
      return undefined;
  }
}

/** One status to post. */
export interface CommitStatus {
  repository: string;
  sha: string;
  verdict: CommitVerdict;
  context: string;
  description: string;
  targetUrl?: string;
}

const SHA = /^[0-9a-f]{7,64}$/;

/** `owner/repo` (or a GitLab group path) from a repository URL: https, ssh or scp-like. Pure. */
export function repositoryPathOf(repoURL: string): string | undefined {
  const scp = /^[^@/]+@[^:/]+:(.+)$/.exec(repoURL);
  let path: string;
  if (scp?.[1] !== undefined) path = scp[1];
  else {
    try {
      path = new URL(repoURL).pathname;
    } catch {
      return undefined;
    }
  }
  const clean = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  return clean.includes('/') && !clean.split('/').includes('..') ? clean : undefined;
}

/** The statuses a message sets: one per listed app with a commit. Pure. */
export function commitStatusesOf(
  message: NotificationMessage,
  repository: string | undefined,
): CommitStatus[] {
  const verdict = verdictOf(message.event);
  if (verdict === undefined) return [];
  const statuses: CommitStatus[] = [];
  for (const app of message.apps) {
    const sha = app.revision;
    if (sha === undefined || !SHA.test(sha)) continue;
    const repo = repository ?? (app.repoURL === undefined ? undefined : repositoryPathOf(app.repoURL));
    if (repo === undefined) continue;
    statuses.push({
      repository: repo,
      sha,
      verdict,
      context: `mooring/${app.name}`,
      description: describe(app),
      ...(app.link === undefined ? {} : { targetUrl: app.link }),
    });
  }
  return statuses;
}

function describe(app: AppSection): string {
  // GitHub keeps 140 characters of a description.
  return app.summary.length > 140 ? `${app.summary.slice(0, 137)}...` : app.summary;
}

/** A repository `owner/repo`, checked (it goes into a URL path). */
export function ownerRepo(repository: string, sink: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (match?.[1] === undefined || match[2] === undefined || match[1] === '..' || match[2] === '..')
    throw new MooringError(
      'INVALID_ARGUMENT',
      `sink ${sink}: repository must be owner/repo, got ${repository}`,
      {
        subject: `sink/${sink}`,
        retry: 'terminal',
      },
    );
  return { owner: match[1], repo: match[2] };
}
