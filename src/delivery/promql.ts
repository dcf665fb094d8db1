/**
 * PromQL for the analysis: the built-in queries and the templating of custom ones. Values put into a query
 * ({{app}}, {{namespace}}, {{target}}, {{revision}}, {{interval}}) are first confined to what they can be
 * (a DNS-1123 name, a commit id, a duration) and then escaped as the inside of a PromQL double-quoted string,
 * so a hostile name can neither close the string nor add a label matcher. Pure.
 */
import { MooringError } from '../core/errors.js';
import type { BuiltinMetric } from '../crd/delivery.js';

export interface QueryValues {
  app: string;
  namespace: string;
  /** The Deployment delivered progressively. */
  target: string;
  revision: string;
  /** A Prometheus range duration such as 1m or 30s. */
  interval: string;
}

const CONFINED: Record<keyof QueryValues, RegExp> = {
  app: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
  namespace: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  target: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
  revision: /^[0-9a-f]{4,64}$|^$/,
  interval: /^([0-9]+(ms|s|m|h))+$/,
};

/** The inside of a PromQL "..." string: backslash, quotes and control characters escaped. */
export function escapePromString(value: string): string {
  return value.replace(/[\\"'`\n\r\t]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`,
  );
}

/** Replaces every {{key}} placeholder; an unknown placeholder or a value outside its shape is refused. */
export function templateQuery(query: string, values: QueryValues): string {
  for (const [key, pattern] of Object.entries(CONFINED) as [keyof QueryValues, RegExp][]) {
    if (!pattern.test(values[key]))
      throw new MooringError(
        'INVALID_MANIFEST',
        `analysis: ${key} ${JSON.stringify(values[key])} cannot go into a query`,
        {
          step: 'validate',
          hint: 'names must be DNS-1123, revisions hexadecimal, intervals durations',
        },
      );
  }
  return query.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (whole, key: string) => {
    if (!(key in CONFINED))
      throw new MooringError('INVALID_MANIFEST', `analysis: unknown placeholder ${whole}`, {
        step: 'validate',
        hint: 'use {{app}}, {{namespace}}, {{target}}, {{revision}} or {{interval}}',
      });
    return escapePromString(values[key as keyof QueryValues]);
  });
}

/**
 * The selector of the canary's series: the test's and the documented convention is an instrumented app
 * exporting `http_requests_total{code}` and `http_request_duration_seconds_bucket{le}`, with Prometheus adding
 * namespace, app (the Deployment's name) and track (`canary` for the canary's pods, from their
 * mooring.dev/track label; `preview` for the preview pods of a blue-green rollout).
 */
const selectorOf = (track: string): string => `namespace="{{namespace}}",app="{{target}}",track="${track}"`;

/** The built-in queries on the series of one track (`canary`, or `preview` for blue-green). */
export function builtinQueriesFor(track: string): Record<BuiltinMetric, string> {
  const sel = selectorOf(track);
  return {
    // Percent of requests that did not answer 5xx.
    'request-success-rate': `100 * sum(rate(http_requests_total{${sel},code!~"5.."}[{{interval}}])) / sum(rate(http_requests_total{${sel}}[{{interval}}]))`,
    // 99th percentile latency in milliseconds.
    'request-duration': `1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[{{interval}}])))`,
  };
}

/** Requests the new version answered in the interval: below the minimum sample size a step waits. */
export function sampleQueryFor(track: string): string {
  return `sum(increase(http_requests_total{${selectorOf(track)}}[{{interval}}]))`;
}

export const BUILTIN_QUERIES: Record<BuiltinMetric, string> = builtinQueriesFor('canary');

/** Requests the canary answered in the interval: below the minimum sample size a step waits. */
export const SAMPLE_QUERY = sampleQueryFor('canary');

/** Prometheus wants whole seconds or larger units in a range; analysis intervals are at least 1s. */
export function promDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}
