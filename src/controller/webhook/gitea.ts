/** Gitea and Forgejo push deliveries (X-Gitea-Event / X-Forgejo-Event: push). Pure. */
import { parseGitHubStylePush } from './github.js';
import type { WebhookOutcome } from './types.js';

/** A Gitea or Forgejo delivery: `push` becomes a PushEvent, every other event is ignored. */
export function parseGiteaDelivery(eventName: string | undefined, payload: unknown): WebhookOutcome {
  if (eventName !== 'push') return { kind: 'ignored', reason: `event "${eventName ?? ''}" is not a push` };
  return parseGitHubStylePush('gitea', payload);
}
