/**
 * The one way sinks reach a service: a POST of a body the sink built, with a timeout, to a URL checked
 * first (http(s) only, no credentials in it, http only where allowed). Errors name the sink and the
 * status, never the URL's secret parts or the token.
 */
import { MooringError } from '../../core/errors.js';
import type { EgressFetch } from '../../net/egress.js';

/** How sinks are allowed to reach out. */
export interface HttpOptions {
  /** Accept http:// URLs (tests, in-cluster receivers); otherwise https:// only. */
  allowHttp: boolean;
  timeoutMs: number;
  /** Every request goes through the controller's egress policy (src/net/egress.ts). */
  fetch: EgressFetch;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** The URL, checked: http(s), no user info, http only when allowed. Throws UNSAFE_INPUT. */
export function checkedUrl(raw: string, options: HttpOptions, sink: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new MooringError('INVALID_ARGUMENT', `sink ${sink}: the URL in its Secret is not a URL`, {
      subject: `sink/${sink}`,
      hint: 'put an https:// URL in the Secret (key url) or the policy (apiURL)',
    });
  }
  const scheme = url.protocol;
  if (scheme !== 'https:' && !(scheme === 'http:' && options.allowHttp))
    throw new MooringError('UNSAFE_INPUT', `sink ${sink}: only https:// URLs are allowed, got ${scheme}//`, {
      subject: `sink/${sink}`,
      hint: 'use https://, or start the controller with --notify-allow-http for a receiver inside the cluster',
    });
  if (url.username !== '' || url.password !== '')
    throw new MooringError('UNSAFE_INPUT', `sink ${sink}: the URL must not carry credentials`, {
      subject: `sink/${sink}`,
      hint: 'put the token in the Secret (key token)',
    });
  return url;
}

/** POSTs `body` (already serialised) and returns the answer; a non-2xx answer throws API_ERROR. */
export async function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: HttpOptions,
  sink: string,
): Promise<HttpResponse> {
  let response: Response;
  try {
    response = await options.fetch(url, {
      method: 'POST',
      headers: { 'User-Agent': 'mooring-notifications', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    if (error instanceof MooringError) throw error; // refused by the egress policy: terminal, with its hint
    throw new MooringError('API_ERROR', `sink ${sink}: ${url.host} did not answer (${causeOf(error)})`, {
      subject: `sink/${sink}`,
      retry: 'transient',
      cause: error,
    });
  }
  const text = (await response.text()).slice(0, 4096);
  if (response.status < 200 || response.status > 299)
    throw new MooringError(
      'API_ERROR',
      `sink ${sink}: ${url.host} answered ${String(response.status)}: ${text.slice(0, 200)}`,
      {
        subject: `sink/${sink}`,
        retry: response.status === 429 || response.status >= 500 ? 'transient' : 'terminal',
      },
    );
  return { status: response.status, text };
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}
