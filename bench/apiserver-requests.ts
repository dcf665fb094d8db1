/**
 * Request accounting from the API server's side: `apiserver_request_total` read from /metrics, so a benchmark
 * counts every request that reached the server (the controller's, its impersonated clients', watches), not
 * only what one client recorded. Used as: before = await read(); ...work...; perApp = delta(before, await read()).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One counter: verb (GET, LIST, WATCH, POST, PATCH, APPLY, DELETE, ...), resource, and whether a dry run. */
export interface RequestCounter {
  verb: string;
  resource: string;
  subresource: string;
  dryRun: boolean;
  count: number;
}

const LINE = /^apiserver_request_total\{([^}]*)\}\s+([0-9.eE+]+)\s*$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * The apiserver_request_total counters of a Prometheus text exposition, summed over the labels that do not
 * matter here (code, component, scope, group, version). Pure.
 */
export function parseRequestTotals(metricsText: string): RequestCounter[] {
  const sums = new Map<string, RequestCounter>();
  for (const line of metricsText.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const labels = new Map<string, string>();
    for (const [, name, value] of (match[1] ?? '').matchAll(LABEL)) labels.set(name ?? '', value ?? '');
    const counter = {
      verb: labels.get('verb') ?? '',
      resource: labels.get('resource') ?? '',
      subresource: labels.get('subresource') ?? '',
      dryRun: (labels.get('dry_run') ?? '') !== '',
    };
    const key = JSON.stringify(counter);
    const sum = sums.get(key) ?? { ...counter, count: 0 };
    sum.count += Number(match[2]);
    sums.set(key, sum);
  }
  return [...sums.values()].sort(
    (a, b) => a.resource.localeCompare(b.resource) || a.verb.localeCompare(b.verb),
  );
}

/** What happened between two readings (counters that did not move are left out). Pure. */
export function requestDelta(before: RequestCounter[], after: RequestCounter[]): RequestCounter[] {
  const key = (c: RequestCounter): string => `${c.verb}|${c.resource}|${c.subresource}|${String(c.dryRun)}`;
  const earlier = new Map(before.map((c) => [key(c), c.count]));
  return after.map((c) => ({ ...c, count: c.count - (earlier.get(key(c)) ?? 0) })).filter((c) => c.count > 0);
}

/** Total of a list of counters. Pure. */
export function totalRequests(counters: RequestCounter[]): number {
  return counters.reduce((sum, c) => sum + c.count, 0);
}

/** Reads the API server's counters now, with kubectl (`get --raw /metrics`). */
export async function readRequestTotals(kubectl: string, kubeconfig: string): Promise<RequestCounter[]> {
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/metrics'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return parseRequestTotals(stdout);
}
