/**
 * The dashboard's shell: hash routes (`#/` the list, `#/?project=P&cluster=C` the list filtered,
 * `#/apps/<namespace>/<name>` one app, `#/clusters`, `#/projects`) so the server serves one index.html,
 * and the login gate: without a token in sessionStorage, the login page.
 */
import { useCallback, useEffect, useState } from 'react';

import { storeToken, storedToken } from './api.js';
import { AppList } from './AppList.js';
import { AppPage } from './AppPage.js';
import { ClustersPage, ProjectsPage } from './Fleet.js';
import { Login } from './Login.js';
import { finishOidcLogin } from './oidc.js';

/** Filters of the list given by its address (links from the Clusters and Projects pages). */
export interface ListFilters {
  project?: string;
  cluster?: string;
}

export type Route =
  | { page: 'list'; filters: ListFilters }
  | { page: 'app'; namespace: string; name: string }
  | { page: 'clusters' }
  | { page: 'projects' };

/** The route of a location hash. Pure. */
export function routeOf(hash: string): Route {
  const match = /^#\/apps\/([^/]+)\/([^/?]+)/.exec(hash);
  if (match?.[1] !== undefined && match[2] !== undefined)
    return { page: 'app', namespace: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) };
  if (/^#\/clusters\/?$/.test(hash)) return { page: 'clusters' };
  if (/^#\/projects\/?$/.test(hash)) return { page: 'projects' };
  const query = new URLSearchParams(/^#\/?\?(.*)$/.exec(hash)?.[1] ?? '');
  const filters: ListFilters = {};
  const project = query.get('project');
  const cluster = query.get('cluster');
  if (project !== null && project !== '') filters.project = project;
  if (cluster !== null && cluster !== '') filters.cluster = cluster;
  return { page: 'list', filters };
}

const NAV: { page: Route['page']; href: string; label: string }[] = [
  { page: 'list', href: '#/', label: 'Applications' },
  { page: 'clusters', href: '#/clusters', label: 'Clusters' },
  { page: 'projects', href: '#/projects', label: 'Projects' },
];

/**
 * A login link (`mooring demo` prints one): `#token=…` in the fragment, which the browser never sends to a
 * server. Moved to sessionStorage and dropped from the address bar and history at once.
 */
function takeTokenFromHash(): void {
  const match = /^#token=([A-Za-z0-9._-]+)$/.exec(window.location.hash);
  if (match?.[1] === undefined) return;
  storeToken(match[1]);
  window.history.replaceState(null, '', `${window.location.pathname}#/`);
}

export function App() {
  const [token, setToken] = useState(() => {
    takeTokenFromHash();
    return storedToken();
  });
  const [route, setRoute] = useState(routeOf(window.location.hash));
  // Back from the OIDC issuer (?code=…): exchange the code once, then the list.
  const [signingIn, setSigningIn] = useState(() => /[?&](code|error)=/.test(window.location.search));
  const [loginError, setLoginError] = useState<string | undefined>();
  useEffect(() => {
    if (!signingIn) return;
    finishOidcLogin()
      .then((idToken) => {
        if (idToken !== undefined) {
          storeToken(idToken);
          setToken(idToken);
        }
        setRoute(routeOf(window.location.hash));
      })
      .catch((e: unknown) => {
        setLoginError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        setSigningIn(false);
      });
  }, [signingIn]);
  useEffect(() => {
    const onHash = () => {
      setRoute(routeOf(window.location.hash));
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  const logout = useCallback(() => {
    storeToken(undefined);
    setToken(undefined);
  }, []);
  if (signingIn) return <p className="help">Signing in…</p>;
  if (token === undefined)
    return (
      <Login
        error={loginError}
        onLogin={(value) => {
          storeToken(value);
          setToken(value);
        }}
      />
    );
  return (
    <>
      <header className="top">
        <a href="#/" className="brand">
          Mooring
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.page}
              href={item.href}
              {...(route.page === item.page || (route.page === 'app' && item.page === 'list')
                ? { 'aria-current': 'page' as const }
                : {})}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <button type="button" className="quiet" onClick={logout}>
          Log out
        </button>
      </header>
      <main>
        <Page route={route} onUnauthenticated={logout} />
      </main>
    </>
  );
}

function Page(props: { route: Route; onUnauthenticated: () => void }) {
  const { route, onUnauthenticated } = props;
  switch (route.page) {
    case 'list':
      return (
        <AppList
          key={`${route.filters.project ?? ''}|${route.filters.cluster ?? ''}`}
          filters={route.filters}
          onUnauthenticated={onUnauthenticated}
        />
      );
    case 'app':
      return (
        <AppPage
          key={`${route.namespace}/${route.name}`}
          namespace={route.namespace}
          name={route.name}
          onUnauthenticated={onUnauthenticated}
        />
      );
    case 'clusters':
      return <ClustersPage onUnauthenticated={onUnauthenticated} />;
    case 'projects':
      return <ProjectsPage onUnauthenticated={onUnauthenticated} />;
  }
}
