/** The compact summary of one Application that the list returns and the index sorts and filters. Pure. */
import type { Application } from '../../app/model.js';

/** One row of `GET /api/v1/applications`. */
export interface ApplicationSummary {
  name: string;
  namespace: string;
  project: string;
  cluster: string;
  /** Where its objects go (namespace for objects that name none). */
  destinationNamespace: string;
  repoURL: string;
  path: string;
  /** The commit last synced or compared. */
  revision?: string;
  sync: string;
  health: string;
  /** When the last sync ended (or started, while it runs). */
  lastSync?: string;
  lastSyncResult?: string;
  /** Resources with fields someone else changed. */
  driftCount: number;
  suspended: boolean;
  /** Why it is not synced or healthy, in one sentence. */
  summary?: string;
}

/** What the index keeps per app: the summary, the labels (for selectors) and a lower-case search text. */
export interface IndexedApplication {
  summary: ApplicationSummary;
  labels: Record<string, string>;
  searchText: string;
  /** The Application as last delivered (shared with the controller: never modified). */
  app: Application;
}

/** The summary and search fields of an Application. Pure. */
export function indexEntryOf(app: Application): IndexedApplication {
  const status = app.status;
  const lastSync = status?.lastSync?.finishedAt ?? status?.lastSync?.startedAt;
  const summary: ApplicationSummary = {
    name: app.metadata.name,
    namespace: app.metadata.namespace,
    project: app.spec.project,
    cluster: app.spec.destination.cluster,
    destinationNamespace: app.spec.destination.namespace,
    repoURL: status?.source?.displayURL ?? app.spec.source.repoURL,
    path: app.spec.source.path,
    ...(status?.sync?.revision === undefined ? {} : { revision: status.sync.revision }),
    sync: status?.sync?.status ?? 'Unknown',
    health: status?.health?.status ?? 'Unknown',
    ...(lastSync === undefined ? {} : { lastSync }),
    ...(status?.lastSync?.result === undefined ? {} : { lastSyncResult: status.lastSync.result }),
    driftCount: (status?.resources ?? []).filter((r) => (r.drift?.length ?? 0) > 0).length,
    suspended: app.spec.suspend === true,
    ...(status?.summary === undefined || status.summary === '' ? {} : { summary: status.summary }),
  };
  return {
    summary,
    labels: app.metadata.labels ?? {},
    searchText: [summary.name, summary.namespace, summary.project, summary.repoURL, summary.path]
      .join('\n')
      .toLowerCase(),
    app,
  };
}
