/**
 * OIDC sign-in in the browser: authorization code with PKCE (RFC 7636, S256) against the issuer the API
 * names at GET /api/auth/config. The verifier, state and nonce stay in this tab's sessionStorage; the
 * issuer redirects back to this page with `?code=…&state=…`, the page exchanges the code at the token
 * endpoint (a public client: no secret) and keeps the ID token, which the API verifies as before.
 */
import type { LoginConfig } from '../../src/api/auth/types.js';

export type OidcSettings = NonNullable<LoginConfig['oidc']>;

const PENDING_KEY = 'mooring.oidc';

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  tokenEndpoint: string;
  clientId: string;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier. */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** This page without query or fragment: where the issuer sends the user back (register it at the issuer). */
export function redirectUri(): string {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Leaves for the issuer's login page. */
export async function startOidcLogin(oidc: OidcSettings): Promise<void> {
  const pending: Pending = {
    state: randomString(),
    nonce: randomString(),
    verifier: randomString(),
    redirectUri: redirectUri(),
    tokenEndpoint: oidc.tokenEndpoint,
    clientId: oidc.clientId,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(oidc.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', oidc.clientId);
  url.searchParams.set('redirect_uri', pending.redirectUri);
  url.searchParams.set('scope', oidc.scopes.join(' '));
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await codeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  window.location.assign(url.toString());
}

/** The claims of a JWT, unverified (only to compare the nonce; the API verifies the signature). */
function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(json) as Record<string, unknown>;
}

/**
 * When the issuer has just sent the user back (`?code=…&state=…` or `?error=…`): exchanges the code and
 * answers the ID token; throws with the reason when the answer is not the one this tab asked for. Removes
 * the query from the address bar either way. Undefined when the page was not opened by the issuer.
 */
export async function finishOidcLogin(): Promise<string | undefined> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (code === null && error === null) return undefined;
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, '', `${window.location.pathname}#/`);
  if (error !== null)
    throw new Error(`The issuer refused the sign-in: ${error} ${params.get('error_description') ?? ''}`);
  const notOurs = new Error(
    'This sign-in answer was not started from this tab (state differs). Sign in again.',
  );
  if (raw === null) throw notOurs;
  const pending = JSON.parse(raw) as Pending;
  if (params.get('state') !== pending.state) throw notOurs;
  const response = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: pending.redirectUri,
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const answer = (await response.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
  if (!response.ok || typeof answer.id_token !== 'string')
    throw new Error(
      `The issuer did not give an ID token (${typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`}).`,
    );
  if (claimsOf(answer.id_token).nonce !== pending.nonce)
    throw new Error('The ID token is not the one this tab asked for (nonce differs). Sign in again.');
  return answer.id_token;
}
