/**
 * Gitea and Forgejo commit statuses: POST {apiURL}/repos/{owner}/{repo}/statuses/{sha} with {state,
 * target_url, description, context}; the token (Secret key `token`) as `Authorization: token ...`.
 * apiURL is the server's API root, e.g. https://gitea.example.com/api/v1 (there is no default).
 */
import { MooringError } from '../../core/errors.js';
import { checkedUrl, post } from './http.js';
import { commitStatusesOf, ownerRepo } from './commit-status.js';
import type { Sink } from './types.js';
import { requiredKey } from './types.js';

export const giteaSink: Sink = async (message, context) => {
  const token = requiredKey(context, 'token');
  if (context.config.apiURL === undefined)
    throw new MooringError('INVALID_ARGUMENT', `sink ${context.config.name}: gitea needs apiURL`, {
      subject: `sink/${context.config.name}`,
      retry: 'terminal',
      hint: 'set apiURL to https://YOUR-SERVER/api/v1',
    });
  const base = context.config.apiURL.replace(/\/+$/, '');
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
      { Authorization: `token ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      context.http,
      context.config.name,
    );
  }
  return {};
};
