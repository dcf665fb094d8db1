/**
 * Login: paste a Kubernetes bearer token (a ServiceAccount token or an OIDC ID token), checked before use;
 * or, when the API is configured for OIDC, "Sign in with OIDC" (authorization code + PKCE, oidc.ts).
 */
import { useEffect, useState } from 'react';
import type { SyntheticEvent } from 'react';

import { ApiError } from './api.js';
import type { OidcSettings } from './oidc.js';
import { startOidcLogin } from './oidc.js';

export function Login(props: { onLogin: (token: string) => void; error?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(props.error);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcSettings | undefined>();
  // 'loading' until the API said how one may sign in (tests wait for it before checking what is offered).
  const [methods, setMethods] = useState('loading');
  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/auth/config', { signal: controller.signal })
      .then((r): Promise<{ oidc?: OidcSettings }> => (r.ok ? r.json() : Promise.resolve({})))
      .then((config) => {
        setOidc(config.oidc);
        setMethods(config.oidc === undefined ? 'token' : 'token oidc');
      })
      .catch(() => {
        setMethods('token');
      });
    return () => {
      controller.abort();
    };
  }, []);
  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') return;
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/api/v1/applications?limit=1', {
        headers: { authorization: `Bearer ${value}` },
      });
      if (response.status === 401) throw new ApiError(401, { message: 'This token was not accepted.' });
      props.onLogin(value);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" data-login-methods={methods}>
      <h1>Mooring</h1>
      {oidc === undefined ? null : (
        <div className="oidc">
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              startOidcLogin(oidc).catch((e: unknown) => {
                setBusy(false);
                setError(e instanceof Error ? e.message : String(e));
              });
            }}
          >
            Sign in with OIDC
          </button>
          <p className="help">
            at <span className="mono">{new URL(oidc.issuer).host}</span>, or paste a token below.
          </p>
        </div>
      )}
      <form
        onSubmit={(e) => {
          void submit(e);
        }}
      >
        <label htmlFor="token">Kubernetes token</label>
        <textarea
          id="token"
          name="token"
          rows={5}
          value={token}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setToken(e.target.value);
          }}
          aria-describedby="token-help"
        />
        <p id="token-help" className="help">
          e.g. <code>kubectl create token my-user -n team-a</code>. Kept in this tab only (sessionStorage).
        </p>
        {error === undefined ? null : (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
