/**
 * The Clusters and Projects pages: one table each from GET /clusters and GET /projects (what the caller's
 * RBAC lets it see, the API decides), each row linking to the Applications list filtered by it.
 */
import { useEffect, useState } from 'react';

import type { AppCounts, ClusterView, ProjectView } from './api.js';
import { ApiError, getJson } from './api.js';
import { Badge, relativeTime } from './common.js';

/** The list's address filtered by one project or cluster. Pure. */
export function listLink(filter: 'project' | 'cluster', value: string): string {
  return `#/?${filter}=${encodeURIComponent(value)}`;
}

/** The `items` of GET `path` (undefined while loading), or the error to show. */
function useItems(path: string, onUnauthenticated: () => void) {
  const [items, setItems] = useState<unknown[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    getJson<{ items: unknown[] }>(path, controller.signal)
      .then((answer) => {
        setItems(answer.items);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) onUnauthenticated();
        else if (!(e instanceof DOMException && e.name === 'AbortError'))
          setError(
            e instanceof ApiError ? `${e.message}${e.body.hint ? ` (${e.body.hint})` : ''}` : String(e),
          );
      });
    return () => {
      controller.abort();
    };
  }, [path, onUnauthenticated]);
  return { items, error };
}

/** "3 apps" and a badge per sync and health status that is not all good. */
function Counts(props: { apps: AppCounts; link: string }) {
  const { apps, link } = props;
  const notGood = [
    ...Object.entries(apps.sync).filter(([s]) => s !== 'Synced'),
    ...Object.entries(apps.health).filter(([h]) => h !== 'Healthy'),
  ];
  return (
    <>
      <a href={link}>
        {apps.total} {apps.total === 1 ? 'app' : 'apps'}
      </a>{' '}
      {notGood.map(([status, n]) => (
        <Badge key={status} value={`${n} ${status}`} tone={toneOfCount(status)} />
      ))}
    </>
  );
}

function toneOfCount(status: string): string {
  if (status === 'Degraded' || status === 'Missing') return 'bad';
  if (status === 'OutOfSync') return 'warn';
  if (status === 'Progressing') return 'info';
  return 'muted';
}

function Status(props: { error: string | undefined; loading: boolean; empty: boolean; what: string }) {
  if (props.error !== undefined)
    return (
      <p role="alert" className="error">
        {props.error}
      </p>
    );
  if (props.loading) return <p className="help">Loading…</p>;
  if (props.empty) return <p className="empty">No {props.what} to show.</p>;
  return null;
}

export function ClustersPage(props: { onUnauthenticated: () => void }) {
  const answer = useItems('/clusters', props.onUnauthenticated);
  const items = answer.items as ClusterView[] | undefined;
  const error = answer.error;
  return (
    <section aria-labelledby="clusters-title">
      <h1 id="clusters-title">Clusters</h1>
      <Status error={error} loading={items === undefined} empty={items?.length === 0} what="clusters" />
      {items === undefined || items.length === 0 ? null : (
        <table className="fleet" data-testid="clusters">
          <caption className="help">Where applications deploy, and whether each cluster answers.</caption>
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">API server</th>
              <th scope="col">State</th>
              <th scope="col">Applications</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.name} data-cluster={c.name}>
                <th scope="row">{c.name}</th>
                <td className="mono">
                  {c.server ?? (c.name === 'in-cluster' ? 'the controller’s own' : '—')}
                </td>
                <td>
                  <Badge
                    value={
                      c.reachable === undefined ? 'Not used yet' : c.reachable ? 'Reachable' : 'Unreachable'
                    }
                    tone={c.reachable === undefined ? 'muted' : c.reachable ? 'ok' : 'bad'}
                  />
                  {c.version === undefined ? null : <small className="muted"> {c.version}</small>}
                  {c.reachable === false ? (
                    <div className="help" title={c.unreachableSince}>
                      since {relativeTime(c.unreachableSince)}
                      {c.lastError === undefined ? '' : `: ${c.lastError}`}
                    </div>
                  ) : null}
                </td>
                <td>
                  <Counts apps={c.apps} link={listLink('cluster', c.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ProjectsPage(props: { onUnauthenticated: () => void }) {
  const answer = useItems('/projects', props.onUnauthenticated);
  const items = answer.items as ProjectView[] | undefined;
  const error = answer.error;
  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      <Status error={error} loading={items === undefined} empty={items?.length === 0} what="projects" />
      {items === undefined || items.length === 0 ? null : (
        <table className="fleet" data-testid="projects">
          <caption className="help">What each Project lets its applications do.</caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Destinations (cluster / namespace → applied as)</th>
              <th scope="col">Source repositories</th>
              <th scope="col">Applications</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.name} data-project={p.name}>
                <th scope="row">
                  {p.name}
                  {p.description === undefined ? null : <div className="help">{p.description}</div>}
                  {p.error === undefined ? null : <div className="error">{p.error}</div>}
                </th>
                <td>
                  <ul className="plain">
                    {p.destinations.map((d) => (
                      <li key={`${d.cluster}/${d.namespace}`} className="mono">
                        {d.cluster} / {d.namespace} → {d.serviceAccountName}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <ul className="plain">
                    {p.sourceRepos.map((r) => (
                      <li key={r} className="mono">
                        {r}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <Counts apps={p.apps} link={listLink('project', p.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
