/**
 * GitHub commit statuses: POST {apiURL}/repos/{owner}/{repo}/statuses/{sha} with {state, target_url,
 * description, context}; the token (Secret key `token`) as a Bearer token. apiURL defaults to
 * https://api.github.com (GitHub Enterprise Server: https://HOST/api/v3).
 */
import { postRepoStatuses } from './status-post.js';
import type { Sink } from './types.js';
import { requiredKey } from './types.js';

export const githubSink: Sink = async (message, context) => {
  const token = requiredKey(context, 'token');
  return postRepoStatuses(message, context, context.config.apiURL ?? 'https://api.github.com', {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${token}`,
    'X-GitHub-Api-Version': '2022-11-28',
    'Content-Type': 'application/json',
  });
};
