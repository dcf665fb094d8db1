/** Login: paste a Kubernetes bearer token (a ServiceAccount token or an OIDC ID token); checked before use. */
import { useState } from 'react';
import type { SyntheticEvent } from 'react';

import { ApiError } from './api.js';

export function Login(props: { onLogin: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
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
    <main className="login">
      <h1>Mooring</h1>
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
