/**
 * GitLab commit statuses: POST {apiURL}/projects/:id/statuses/:sha with {state, name, target_url,
 * description}; :id is the project id or its URL-encoded path; the token (Secret key `token`) in the
 * PRIVATE-TOKEN header. apiURL defaults to https://gitlab.com/api/v4.
 */
import { checkedUrl, post } from './http.js';
import type { CommitVerdict } from './commit-status.js';
import { commitStatusesOf } from './commit-status.js';
import type { Sink } from './types.js';
import { requiredKey } from './types.js';

const STATE: Record<CommitVerdict, string> = { success: 'success', failure: 'failed', pending: 'pending' };

export const gitlabSink: Sink = async (message, context) => {
  const token = requiredKey(context, 'token');
  const base = (context.config.apiURL ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '');
  for (const status of commitStatusesOf(message, context.config.repository)) {
    const project = encodeURIComponent(status.repository);
    const url = checkedUrl(
      `${base}/projects/${project}/statuses/${status.sha}`,
      context.http,
      context.config.name,
    );
    const body = {
      state: STATE[status.verdict],
      name: status.context,
      ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
      description: status.description,
    };
    await post(
      url,
      JSON.stringify(body),
      { 'PRIVATE-TOKEN': token, 'Content-Type': 'application/json' },
      context.http,
      context.config.name,
    );
  }
  return {};
};
