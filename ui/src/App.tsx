/**
 * The dashboard's shell: hash routes (`#/` the list, `#/apps/<namespace>/<name>` one app) so the server
 * serves one index.html, and the login gate: without a token in sessionStorage, the login page.
 */
import { useEffect, useState } from 'react';

import { storeToken, storedToken } from './api.js';
import { AppList } from './AppList.js';
import { AppPage } from './AppPage.js';
import { Login } from './Login.js';

export type Route = { page: 'list' } | { page: 'app'; namespace: string; name: string };

/** The route of a location hash. Pure. */
export function routeOf(hash: string): Route {
  const match = /^#\/apps\/([^/]+)\/([^/?]+)/.exec(hash);
  if (match?.[1] !== undefined && match[2] !== undefined)
    return { page: 'app', namespace: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) };
  return { page: 'list' };
}

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
  useEffect(() => {
    const onHash = () => {
      setRoute(routeOf(window.location.hash));
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  const logout = () => {
    storeToken(undefined);
    setToken(undefined);
  };
  if (token === undefined)
    return (
      <Login
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
          <a href="#/">Applications</a>
        </nav>
        <button type="button" className="quiet" onClick={logout}>
          Log out
        </button>
      </header>
      <main>
        {route.page === 'list' ? (
          <AppList onUnauthenticated={logout} />
        ) : (
          <AppPage
            key={`${route.namespace}/${route.name}`}
            namespace={route.namespace}
            name={route.name}
            onUnauthenticated={logout}
          />
        )}
      </main>
    </>
  );
}
