/**
 * Simulated traffic for the demo's canary: KWOK pods run no containers, so nothing answers requests. This
 * endpoint stands in for the pods of `canary-web/web` as Prometheus would scrape them: each scrape adds a
 * burst of made-up requests to the stable track and, while the canary Deployment exists, to the canary
 * track, labelled with the version (image tag) it runs. The canary answers the share of 5xx (and slow
 * answers) its pod template's annotation `demo.mooring.dev/simulated-error-rate` names; the stable always
 * answers well. Series follow the documented convention of the built-in analysis (`http_requests_total{code}`,
 * `http_request_duration_seconds_bucket{le}` with namespace, app and track labels).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { KubeObject } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';

/** The annotation of the pod template naming the percent of 5xx answers the simulation gives. */
export const ERROR_RATE_ANNOTATION = 'demo.mooring.dev/simulated-error-rate';
/** Requests made up per track and scrape (one scrape a second). */
export const REQUESTS_PER_SCRAPE = 20;

/** What one track (stable or canary) runs, as far as the simulation is concerned. */
export interface TrackVersion {
  /** The image tag, or the whole image when it has none. */
  version: string;
  /** Percent of answers that are 5xx (and slow), 0 to 100. */
  errorRate: number;
}

interface Counts {
  ok: number;
  errors: number;
  fast: number;
  slow: number;
}

interface Template {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { image?: string }[] };
}

/** The version and error rate of a Deployment's pod template; undefined without a Deployment. Pure. */
export function trackVersion(deployment: KubeObject | undefined): TrackVersion | undefined {
  if (deployment === undefined) return undefined;
  const template = (deployment.spec as { template?: Template } | undefined)?.template;
  const image = template?.spec?.containers?.[0]?.image ?? '';
  const tag = /:([^:/@]+)$/.exec(image)?.[1] ?? image;
  const rate = Number(template?.metadata?.annotations?.[ERROR_RATE_ANNOTATION] ?? '0');
  return { version: tag, errorRate: Number.isFinite(rate) ? Math.min(100, Math.max(0, rate)) : 0 };
}

/** Adds one scrape's burst for a track running `at` to `counts`. Pure but for the counts it changes. */
export function addBurst(counts: Counts, at: TrackVersion): void {
  const errors = Math.round((REQUESTS_PER_SCRAPE * at.errorRate) / 100);
  counts.errors += errors;
  counts.slow += errors;
  counts.ok += REQUESTS_PER_SCRAPE - errors;
  counts.fast += REQUESTS_PER_SCRAPE - errors;
}

/** The exposition text of every (track, version) counted so far. Pure. */
export function exposition(
  labels: { namespace: string; app: string },
  series: ReadonlyMap<string, { track: string; version: string; counts: Counts }>,
): string {
  const requests = ['# TYPE http_requests_total counter'];
  const durations = ['# TYPE http_request_duration_seconds histogram'];
  for (const { track, version, counts } of series.values()) {
    const sel = `namespace="${labels.namespace}",app="${labels.app}",track="${track}",version=${JSON.stringify(version)}`;
    const total = counts.fast + counts.slow;
    requests.push(
      `http_requests_total{${sel},code="200"} ${counts.ok}`,
      `http_requests_total{${sel},code="500"} ${counts.errors}`,
    );
    durations.push(
      `http_request_duration_seconds_bucket{${sel},le="0.1"} ${counts.fast}`,
      `http_request_duration_seconds_bucket{${sel},le="2"} ${total}`,
      `http_request_duration_seconds_bucket{${sel},le="+Inf"} ${total}`,
      `http_request_duration_seconds_sum{${sel}} ${counts.fast * 0.05 + counts.slow * 1.5}`,
      `http_request_duration_seconds_count{${sel}} ${total}`,
    );
  }
  return [...requests, ...durations, ''].join('\n');
}

export interface SimulatedTraffic {
  /** host:port for Prometheus. */
  target: string;
  stop(): Promise<void>;
}

/**
 * Serves /metrics on loopback for Deployment `target` of `namespace` (and its `<target>-canary`), reading
 * both from the cluster on each scrape. A failed read answers 503 (Prometheus records a failed scrape:
 * no made-up numbers).
 */
export async function startSimulatedTraffic(
  objects: ObjectsApi,
  where: { namespace: string; target: string },
): Promise<SimulatedTraffic> {
  const series = new Map<string, { track: string; version: string; counts: Counts }>();
  const count = (track: string, at: TrackVersion): void => {
    const key = `${track}\n${at.version}`;
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { track, version: at.version, counts: { ok: 0, errors: 0, fast: 0, slow: 0 } };
      series.set(key, entry);
    }
    addBurst(entry.counts, at);
  };
  const read = (name: string): Promise<KubeObject | undefined> =>
    objects.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: where.namespace, name });
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    Promise.all([read(where.target), read(`${where.target}-canary`)]).then(
      ([stable, canary]) => {
        const stableAt = trackVersion(stable);
        if (stableAt !== undefined) count('stable', { ...stableAt, errorRate: 0 });
        const canaryAt = trackVersion(canary);
        const replicas = (canary?.spec as { replicas?: number } | undefined)?.replicas ?? 1;
        if (canaryAt !== undefined && replicas > 0) count('canary', canaryAt);
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end(exposition({ namespace: where.namespace, app: where.target }, series));
      },
      () => {
        res.statusCode = 503;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
