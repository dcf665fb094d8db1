/**
 * What GitHub and Gitea/Forgejo share: the same commit-status API, POST {base}/repos/{owner}/{repo}/statuses/
 * {sha} with {state, target_url, description, context}, one request per status of the message; only the
 * API root and the headers (how the token is sent) differ.
 */
import type { NotificationMessage } from '../message.js';
import { checkedUrl, post } from './http.js';
import { commitStatusesOf, ownerRepo } from './commit-status.js';
import type { SinkContext, SinkResult } from './types.js';

export async function postRepoStatuses(
  message: NotificationMessage,
  context: SinkContext,
  apiURL: string,
  headers: Record<string, string>,
): Promise<SinkResult> {
  const base = apiURL.replace(/\/+$/, '');
  for (const status of commitStatusesOf(message, context.config.repository)) {
    const { owner, repo } = ownerRepo(status.repository, context.config.name);
    const url = checkedUrl(
      `${base}/repos/${owner}/${repo}/statuses/${status.sha}`,
      context.http,
      context.config.name,
    );
    const body = {
      state: status.verdict,
      ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
      description: status.description,
      context: status.context,
    };
    await post(url, JSON.stringify(body), headers, context.http, context.config.name);
  }
  return {};
}
