/**
 * Opens a pull request for an image update branch, or updates the one already open, through the Git host's
 * REST API as each documents it:
 * - GitHub: GET/POST /repos/{owner}/{repo}/pulls, PATCH /repos/{owner}/{repo}/pulls/{number};
 *   `Authorization: Bearer`, `Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`;
 * - GitLab: GET/POST /projects/:id/merge_requests, PUT /projects/:id/merge_requests/:iid (`:id` the
 *   URL-encoded project path); `PRIVATE-TOKEN`;
 * - Gitea and Forgejo: GET/POST /repos/{owner}/{repo}/pulls, PATCH /repos/{owner}/{repo}/pulls/{index};
 *   `Authorization: token`.
 * The token goes only to `apiURL` (https, or http on loopback / when the Secret allows it), redirects are
 * not followed, and it never appears in errors or logs.
 */
import { MooringError } from '../../core/errors.js';
import { Egress } from '../../net/egress.js';
import type { EgressFetch } from '../../net/egress.js';
import type { PullRequestProvider } from '../../crd/imageupdateautomation.js';

export interface PullRequestRequest {
  provider: PullRequestProvider;
  /** e.g. https://api.github.com, https://gitlab.example.com/api/v4, https://gitea.example.com/api/v1 */
  apiURL: string;
  /** owner/name (GitLab: the project path) */
  repository: string;
  token: string;
  /** The branch holding the change. */
  head: string;
  /** The branch to merge into. */
  base: string;
  title: string;
  body: string;
  /** Send the token over plain http:// to a host other than loopback (the Secret's insecureAllowHTTP). */
  allowInsecureHTTP?: boolean | undefined;
  timeoutMs?: number | undefined;
  /** The controller's egress-confined fetch (src/net/egress.ts); default: public addresses only. */
  fetch?: EgressFetch | undefined;
}

export interface PullRequestResult {
  action: 'opened' | 'updated';
  number: number;
  url: string;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;

/** Opens the pull request from `head` to `base`, or updates the title and body of the one already open. */
export async function openOrUpdatePullRequest(request: PullRequestRequest): Promise<PullRequestResult> {
  const base = apiBase(request);
  const api = new HostApi(base, request);
  switch (request.provider) {
    case 'github':
      return github(api, request);
    case 'gitlab':
      return gitlab(api, request);
    case 'gitea':
      return gitea(api, request);
  }
}

async function github(api: HostApi, r: PullRequestRequest): Promise<PullRequestResult> {
  const repo = `/repos/${repoPath(r.repository)}`;
  const owner = r.repository.split('/')[0] ?? '';
  const query = new URLSearchParams({ state: 'open', head: `${owner}:${r.head}`, base: r.base });
  const open = asList(await api.call('GET', `${repo}/pulls?${query.toString()}`));
  const existing = open[0];
  if (existing !== undefined) {
    const number = numberOf(existing, 'number');
    const updated = await api.call('PATCH', `${repo}/pulls/${String(number)}`, {
      title: r.title,
      body: r.body,
    });
    return { action: 'updated', number, url: stringOf(updated, 'html_url') };
  }
  const created = await api.call('POST', `${repo}/pulls`, {
    title: r.title,
    head: r.head,
    base: r.base,
    body: r.body,
  });
  return { action: 'opened', number: numberOf(created, 'number'), url: stringOf(created, 'html_url') };
}

async function gitlab(api: HostApi, r: PullRequestRequest): Promise<PullRequestResult> {
  const project = `/projects/${encodeURIComponent(r.repository)}`;
  const query = new URLSearchParams({ state: 'opened', source_branch: r.head, target_branch: r.base });
  const open = asList(await api.call('GET', `${project}/merge_requests?${query.toString()}`));
  const existing = open[0];
  if (existing !== undefined) {
    const iid = numberOf(existing, 'iid');
    const updated = await api.call('PUT', `${project}/merge_requests/${String(iid)}`, {
      title: r.title,
      description: r.body,
    });
    return { action: 'updated', number: iid, url: stringOf(updated, 'web_url') };
  }
  const created = await api.call('POST', `${project}/merge_requests`, {
    source_branch: r.head,
    target_branch: r.base,
    title: r.title,
    description: r.body,
  });
  return { action: 'opened', number: numberOf(created, 'iid'), url: stringOf(created, 'web_url') };
}

async function gitea(api: HostApi, r: PullRequestRequest): Promise<PullRequestResult> {
  const repo = `/repos/${repoPath(r.repository)}`;
  const open = asList(await api.call('GET', `${repo}/pulls?state=open&limit=50`));
  const existing = open.find((pr) => {
    const head = (pr as { head?: { ref?: unknown } }).head?.ref;
    const base = (pr as { base?: { ref?: unknown } }).base?.ref;
    return head === r.head && base === r.base;
  });
  if (existing !== undefined) {
    const number = numberOf(existing, 'number');
    const updated = await api.call('PATCH', `${repo}/pulls/${String(number)}`, {
      title: r.title,
      body: r.body,
    });
    return { action: 'updated', number, url: stringOf(updated, 'html_url') };
  }
  const created = await api.call('POST', `${repo}/pulls`, {
    head: r.head,
    base: r.base,
    title: r.title,
    body: r.body,
  });
  return { action: 'opened', number: numberOf(created, 'number'), url: stringOf(created, 'html_url') };
}

/** Calls one host API with the token in the header that host documents. */
class HostApi {
  constructor(
    private readonly base: URL,
    private readonly request: PullRequestRequest,
  ) {}

  private headers(): Record<string, string> {
    const json = { 'Content-Type': 'application/json', 'User-Agent': 'mooring-image-automation' };
    switch (this.request.provider) {
      case 'github':
        return {
          ...json,
          Accept: 'application/vnd.github+json',
          Authorization: `Bearer ${this.request.token}`,
          'X-GitHub-Api-Version': '2022-11-28',
        };
      case 'gitlab':
        return { ...json, Accept: 'application/json', 'PRIVATE-TOKEN': this.request.token };
      case 'gitea':
        return { ...json, Accept: 'application/json', Authorization: `token ${this.request.token}` };
    }
  }

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    const shown = `${method} ${url.origin}${url.pathname}`;
    let response: Response;
    try {
      response = await (this.request.fetch ?? Egress.shared().fetch)(url, {
        method,
        headers: this.headers(),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.request.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const why =
        error instanceof MooringError ? error.message : error instanceof Error ? error.name : 'failed';
      throw failure(`${shown}: ${why}`, this.request);
    }
    const text = await boundedText(response);
    if (response.status < 200 || response.status > 299)
      throw failure(
        `${shown} answered ${String(response.status)}: ${summary(text, this.request.token)}`,
        this.request,
      );
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw failure(
        `${shown} answered ${String(response.status)} with a body that is not JSON`,
        this.request,
      );
    }
  }
}

function apiBase(request: PullRequestRequest): URL {
  let url: URL;
  try {
    url = new URL(request.apiURL);
  } catch {
    throw new MooringError('INVALID_ARGUMENT', `pull request API URL "${request.apiURL}" is not a URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && (loopback || request.allowInsecureHTTP === true))
  )
    if (url.username === '' && url.password === '') return url;
  throw new MooringError(
    'UNSAFE_INPUT',
    `refusing to send the ${request.provider} token to ${url.protocol}//${url.host}: use https (http only on loopback or with insecureAllowHTTP in the token Secret), without user info in the URL`,
    { hint: 'set spec.push.pullRequest.apiURL to the https:// API address of the Git host' },
  );
}

function repoPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

async function boundedText(response: Response): Promise<string> {
  if (response.body === null) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) break;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The host's own message (`message` in all three APIs), shortened, with the token scrubbed. */
function summary(text: string, token: string): string {
  let message = text;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const picked = parsed.message ?? parsed.error;
    message = typeof picked === 'string' ? picked : JSON.stringify(picked ?? parsed);
  } catch {
    // not JSON: the text itself
  }
  return (token === '' ? message : message.replaceAll(token, '***')).slice(0, 300);
}

function failure(message: string, request: PullRequestRequest): MooringError {
  return new MooringError('API_ERROR', `pull request on ${request.repository}: ${message}`, {
    step: 'source',
    subject: request.repository,
    hint: 'check spec.push.pullRequest (provider, apiURL, repository) and that the token may open pull requests',
  });
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function numberOf(value: unknown, key: string): number {
  const found = (value as Record<string, unknown> | null)?.[key];
  if (typeof found !== 'number')
    throw new MooringError('API_ERROR', `pull request answer has no numeric ${key}`);
  return found;
}

function stringOf(value: unknown, key: string): string {
  const found = (value as Record<string, unknown> | null)?.[key];
  return typeof found === 'string' ? found : '';
}
