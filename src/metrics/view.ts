/**
 * What the scrape reads from the controller, as plain data, and the pure functions that turn the
 * controller's own records (Applications, request stats) into label sets. No prom-client here.
 */
import type { Application } from '../app/model.js';
import type { RequestStats } from '../kube/stats.js';

/** One Application as `mooring_app_info` shows it (Argo CD's `argocd_app_info` shape). */
export interface AppInfo {
  namespace: string;
  app: string;
  project: string;
  cluster: string;
  syncStatus: string;
  healthStatus: string;
}

/** The work queue at one moment. */
export interface QueueView {
  /** Due now, waiting for a worker. */
  depth: number;
  /** Being processed. */
  active: number;
  /** Waiting for their time (next poll, backoff). */
  scheduled: number;
}

/** The count of one (cluster, verb, code) of Kubernetes API requests. */
export interface KubeRequestCount {
  cluster: string;
  verb: string;
  code: string;
  count: number;
}

/** The app_info row of an Application, from its status as the controller last saw it. Pure. */
export function appInfoOf(app: Application): AppInfo {
  return {
    namespace: app.metadata.namespace,
    app: app.metadata.name,
    project: app.spec.project,
    cluster: app.spec.destination.cluster,
    syncStatus: app.status?.sync?.status ?? 'Unknown',
    healthStatus: app.status?.health?.status ?? 'Unknown',
  };
}

/** The label set of an app_info row. Pure. */
export function appInfoLabels(info: AppInfo): Record<string, string> {
  return {
    namespace: info.namespace,
    app: info.app,
    project: info.project,
    cluster: info.cluster,
    sync_status: info.syncStatus,
    health_status: info.healthStatus,
  };
}

/** The answered requests of each cluster's client, by verb and status code. Pure. */
export function kubeRequestCounts(
  clients: Iterable<{ cluster: string; stats: RequestStats }>,
): KubeRequestCount[] {
  const rows: KubeRequestCount[] = [];
  const seen = new Set<RequestStats>();
  for (const { cluster, stats } of clients) {
    // Impersonating clients share their base client's stats: one cluster's counts are read once.
    if (seen.has(stats)) continue;
    seen.add(stats);
    for (const { verb, code, count } of stats.byCode()) rows.push({ cluster, verb, code, count });
  }
  return rows;
}
