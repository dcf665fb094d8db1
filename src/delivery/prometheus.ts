/** Instant queries against Prometheus' HTTP API (GET /api/v1/query). */
import { errorMessage } from '../core/errors.js';
import type { EgressFetch } from '../net/egress.js';
import type { MetricReading } from './analysis.js';

const TIMEOUT_MS = 10_000;

/**
 * One instant query: the first sample of a vector, or a scalar; empty when there is none. Never throws.
 * `fetch` is the controller's egress-confined one (src/net/egress.ts).
 */
export async function queryPrometheus(
  address: string,
  query: string,
  fetch: EgressFetch,
): Promise<MetricReading> {
  const url = new URL('/api/v1/query', address.endsWith('/') ? address : `${address}/`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'unsupported Prometheus URL' };
  url.searchParams.set('query', query);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    const text = await response.text();
    if (!response.ok)
      return { error: `Prometheus answered ${response.status}: ${text.slice(0, 200).replace(/\s+/g, ' ')}` };
    const body = JSON.parse(text) as {
      status?: string;
      error?: string;
      data?: { resultType?: string; result?: unknown };
    };
    if (body.status !== 'success') return { error: `Prometheus: ${body.error ?? 'query failed'}` };
    const result = body.data?.result;
    let raw: unknown;
    if (body.data?.resultType === 'scalar' && Array.isArray(result)) raw = result[1];
    else if (Array.isArray(result) && result.length > 0)
      raw = (result[0] as { value?: unknown[] }).value?.[1];
    if (raw === undefined) return { empty: true };
    const value = Number(raw);
    return Number.isFinite(value) ? { value } : { empty: true };
  } catch (error) {
    return { error: `Prometheus at ${url.origin} unreachable: ${errorMessage(error)}` };
  }
}
