/**
 * Gitea and Forgejo commit statuses: POST {apiURL}/repos/{owner}/{repo}/statuses/{sha} with {state,
 * target_url, description, context}; the token (Secret key `token`) as `Authorization: token ...`.
 * apiURL is the server's API root, e.g. https://gitea.example.com/api/v1 (there is no default).
 */
import { MooringError } from '../../core/errors.js';
import { postRepoStatuses } from './status-post.js';
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
  return postRepoStatuses(message, context, context.config.apiURL, {
    Authorization: `token ${token}`,
    'Content-Type': 'application/json',
    Accept: 'application/json',
  });
};
