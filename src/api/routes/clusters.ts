/**
 * GET /api/v1/clusters: the destination clusters, each with its API server's host, whether it answers (and
 * since when not, with the last error in short), its Kubernetes version and its apps counted by sync and
 * health. Never a credential, the Secret a cluster comes from, or a URL's user part.
 *
 * Authorised on Applications, not on the cluster Secrets: `get`/`list` on those Secrets is the right to
 * read every cluster's credentials, which nobody should need to see a status page. A caller who may list
 * Applications in every namespace sees every registered cluster; one who may list them in some namespaces
 * sees only the clusters those apps deploy to (names they can already read in the apps); one who may list
 * none gets 403.
 */
import { MooringError } from '../../core/errors.js';
import { IN_CLUSTER } from '../../crd/project.js';
import type { ApiRoutes } from '../context.js';
import { identityOf, visibleNamespaces } from '../context.js';
import type { AppCounts } from '../index/app-index.js';

/** One cluster as the API shows it. */
export interface ClusterView {
  name: string;
  /** Host and port of its API server (absent for in-cluster: the controller's own connection). */
  server?: string;
  /** Undefined until first used: the controller connects to a cluster only when an app needs it. */
  reachable?: boolean;
  unreachableSince?: string;
  /** The last error in short (at most 300 characters, Secret names and URL user parts removed). */
  lastError?: string;
  version?: string;
  apps: AppCounts;
}

export interface ClusterList {
  items: ClusterView[];
}

const NO_APPS: AppCounts = { total: 0, sync: {}, health: {} };
const MAX_ERROR = 300;

/** An error message fit to show: no Secret `namespace/name`, no URL user part, short. Pure. */
export function errorSummary(message: string): string {
  const cleaned = message
    .replace(/\bSecret [a-z0-9][-a-z0-9.]*\/[a-z0-9][-a-z0-9.]*/gi, 'its Secret')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
  return cleaned.length > MAX_ERROR ? `${cleaned.slice(0, MAX_ERROR - 1)}…` : cleaned;
}

export const clusterRoutes: ApiRoutes = (app, ctx) => {
  app.get('/clusters', async (request): Promise<ClusterList> => {
    const visible = await visibleNamespaces(ctx, request);
    if (visible !== 'all' && visible.size === 0)
      throw new MooringError(
        'FORBIDDEN',
        `${identityOf(request).user} may not list applications.mooring.dev in any namespace that holds Applications`,
        {
          hint: 'the clusters page shows where the apps you may list deploy: ask for a Role with verb "list" on applications.mooring.dev',
        },
      );
    const counts = ctx.index.tally('cluster', visible);
    // Every registered cluster for a cluster-wide reader; otherwise only where its apps go.
    const names = new Set<string>(visible === 'all' ? (ctx.clusters?.names() ?? [IN_CLUSTER]) : []);
    for (const name of counts.keys()) names.add(name);
    const items = [...names]
      .sort((a, b) => (a === IN_CLUSTER ? -1 : b === IN_CLUSTER ? 1 : a.localeCompare(b)))
      .map((name): ClusterView => {
        const health = ctx.clusters?.healthOf(name);
        const server = ctx.clusters?.serverHost(name);
        return {
          name,
          ...(server === undefined ? {} : { server }),
          ...(health?.reachable === undefined ? {} : { reachable: health.reachable }),
          ...(health?.unreachableSince === undefined ? {} : { unreachableSince: health.unreachableSince }),
          ...(health?.lastError === undefined ? {} : { lastError: errorSummary(health.lastError) }),
          ...(health?.version === undefined ? {} : { version: health.version }),
          apps: counts.get(name) ?? NO_APPS,
        };
      });
    return { items };
  });
};
