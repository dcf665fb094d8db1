import { groupOf, versionOf } from '../core/objects.js';
import type { KubeClient } from './client.js';

/** What the API server serves for one kind. */
export interface ResourceInfo {
  group: string;
  /** Versions served, preferred first. */
  versions: string[];
  kind: string;
  /** Plural resource name used in URLs. */
  resource: string;
  namespaced: boolean;
}

interface AggregatedDiscovery {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; scope: 'Namespaced' | 'Cluster'; responseKind?: { kind?: string } }[];
    }[];
  }[];
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/**
 * Which kinds the cluster serves and whether they are namespaced, from aggregated discovery (two requests
 * for the whole cluster). Refreshes when asked about a kind it does not know, e.g. right after a CRD appears.
 */
export class Discovery {
  private byKind = new Map<string, ResourceInfo>();
  private loadedAt = 0;

  private version: Promise<string> | undefined;

  constructor(private readonly client: KubeClient) {}

  /**
   * The cluster's Kubernetes version (`/version` gitVersion, e.g. "v1.36.3"): Helm's .Capabilities.KubeVersion
   * for renders aimed at this cluster. Asked once per Discovery.
   */
  serverVersion(): Promise<string> {
    this.version ??= this.client
      .request<{ gitVersion?: string }>({ method: 'GET', path: '/version', verb: 'discovery' })
      .then((answer) => answer.gitVersion ?? '')
      .catch((error: unknown) => {
        this.version = undefined;
        throw error;
      });
    return this.version;
  }

  async load(): Promise<void> {
    const [core, groups] = await Promise.all(
      ['/api', '/apis'].map((path) =>
        this.client.request<AggregatedDiscovery>({
          method: 'GET',
          path,
          accept: AGGREGATED,
          verb: 'discovery',
        }),
      ),
    );
    const next = new Map<string, ResourceInfo>();
    for (const list of [core, groups]) {
      for (const item of list?.items ?? []) indexGroup(next, item);
    }
    this.byKind = next;
    this.loadedAt = Date.now();
  }

  /** Resource info for a kind of an apiVersion; reloads discovery once if unknown (unless just loaded). */
  async lookup(
    apiVersion: string,
    kind: string,
    options: { refresh?: boolean } = {},
  ): Promise<ResourceInfo | undefined> {
    if (this.loadedAt === 0) await this.load();
    const key = `${groupOf(apiVersion)}/${kind}`;
    let info = this.byKind.get(key);
    const served = (i: ResourceInfo | undefined): boolean =>
      i?.versions.includes(versionOf(apiVersion)) ?? false;
    if (!served(info) && options.refresh !== false && Date.now() - this.loadedAt > 200) {
      await this.load();
      info = this.byKind.get(key);
    }
    return served(info) ? info : undefined;
  }

  /** Whether group/kind is namespaced, from what is loaded (undefined if the cluster does not serve it). */
  isNamespaced(group: string, kind: string): boolean | undefined {
    return this.byKind.get(`${group}/${kind}`)?.namespaced;
  }

  knows(group: string, kind: string): boolean {
    return this.byKind.has(`${group}/${kind}`);
  }
}

function indexGroup(
  into: Map<string, ResourceInfo>,
  item: NonNullable<AggregatedDiscovery['items']>[number],
): void {
  const group = item.metadata?.name ?? '';
  for (const version of item.versions ?? []) {
    for (const r of version.resources ?? []) {
      const kind = r.responseKind?.kind;
      if (kind === undefined || kind === '' || r.resource.includes('/')) continue;
      const key = `${group}/${kind}`;
      const existing = into.get(key);
      if (existing === undefined) {
        into.set(key, {
          group,
          kind,
          versions: [version.version],
          resource: r.resource,
          namespaced: r.scope === 'Namespaced',
        });
      } else if (!existing.versions.includes(version.version)) {
        existing.versions.push(version.version);
      }
    }
  }
}

/** URL path of a kind's collection or of one object. */
export function resourcePath(
  info: ResourceInfo,
  version: string,
  namespace: string | undefined,
  name?: string,
): string {
  const base = info.group === '' ? `/api/${version}` : `/apis/${info.group}/${version}`;
  const ns =
    info.namespaced && namespace !== undefined && namespace !== ''
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${info.resource}${tail}`;
}
