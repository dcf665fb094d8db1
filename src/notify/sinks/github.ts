/**
 * GitHub commit statuses: POST {apiURL}/repos/{owner}/{repo}/statuses/{sha} with {state, target_url,
 * description, context}; the token (Secret key `token`) as a Bearer token. apiURL defaults to
 * https://api.github.com (GitHub Enterprise Server: https://HOST/api/v3).
 */
import { checkedUrl, post } from './http.js';
import { commitStatusesOf, ownerRepo } from './commit-status.js';
import type { Sink } from './types.js';
import { requiredKey } from './types.js';

export const githubSink: Sink = async (message, context) => {
  const token = requiredKey(context, 'token');
  const base = (context.config.apiURL ?? 'https://api.github.com').replace(/\/+$/, '');
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
    await post(
      url,
      JSON.stringify(body),
      {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        'Content-Type': 'application/json',
      },
      context.http,
      context.config.name,
    );
  }
  return {};
};
