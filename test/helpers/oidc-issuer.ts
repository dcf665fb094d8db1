/**
 * A local OIDC issuer for tests: discovery document, JWKS, and the authorization code flow with PKCE as
 * OpenID Connect Core 1.0 §3.1 and RFC 7636 document it. /authorize signs the configured user in at once
 * (no login form) and redirects to the registered redirect URI with `code` and `state`; /token takes
 * `grant_type=authorization_code`, `code`, `redirect_uri`, `client_id` and `code_verifier` (form encoded),
 * checks each against the authorization request (S256 challenge, one use per code) and answers an RS256 ID
 * token carrying the request's nonce. Every token request is recorded for the test to check.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface LocalIssuer {
  issuer: string;
  /** The form fields of every POST /token, in order. */
  tokenRequests: Record<string, string>[];
  /** The query of every GET /authorize, in order. */
  authorizeRequests: Record<string, string>[];
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
}

const b64url = (bytes: Buffer): string => bytes.toString('base64url');

export async function startLocalIssuer(options: {
  clientId: string;
  /** The one registered redirect URI (a function: the dashboard's port is known after the issuer's). */
  redirectUri: () => string;
  subject: string;
  groups?: string[];
}): Promise<LocalIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const grants = new Map<string, Grant>();
  const tokenRequests: Record<string, string>[] = [];
  const authorizeRequests: Record<string, string>[] = [];
  let issuer = '';

  const json = (response: ServerResponse, status: number, body: unknown): void => {
    // The browser calls /token from the dashboard's origin: CORS as issuers serving SPAs answer it.
    response.writeHead(status, {
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
      'cache-control': 'no-store',
    });
    response.end(JSON.stringify(body));
  };

  const authorize = (url: URL, response: ServerResponse): void => {
    const q = Object.fromEntries(url.searchParams);
    authorizeRequests.push(q);
    if (q.client_id !== options.clientId || q.redirect_uri !== options.redirectUri()) {
      // Never redirect to an unregistered URI (OIDC Core §3.1.2.6).
      response.writeHead(400);
      response.end('unknown client or redirect_uri');
      return;
    }
    const back = new URL(options.redirectUri());
    if (
      q.response_type !== 'code' ||
      q.code_challenge_method !== 'S256' ||
      q.code_challenge === undefined ||
      !(q.scope ?? '').split(' ').includes('openid')
    )
      back.searchParams.set('error', 'invalid_request');
    else {
      const code = b64url(Buffer.from(crypto.getRandomValues(new Uint8Array(16))));
      grants.set(code, {
        clientId: q.client_id,
        redirectUri: q.redirect_uri,
        challenge: q.code_challenge,
        nonce: q.nonce,
      });
      back.searchParams.set('code', code);
    }
    if (q.state !== undefined) back.searchParams.set('state', q.state);
    response.writeHead(302, { location: back.toString() });
    response.end();
  };

  const token = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const form = Object.fromEntries(new URLSearchParams(body));
    tokenRequests.push(form);
    const grant = form.code === undefined ? undefined : grants.get(form.code);
    if (form.code !== undefined) grants.delete(form.code);
    const verifierHash =
      form.code_verifier === undefined
        ? ''
        : b64url(createHash('sha256').update(form.code_verifier).digest());
    if (
      form.grant_type !== 'authorization_code' ||
      grant === undefined ||
      form.client_id !== grant.clientId ||
      form.redirect_uri !== grant.redirectUri ||
      verifierHash !== grant.challenge
    ) {
      json(response, 400, { error: 'invalid_grant' });
      return;
    }
    const idToken = await new SignJWT({
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
      groups: options.groups ?? [],
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(issuer)
      .setSubject(options.subject)
      .setAudience(options.clientId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    json(response, 200, { access_token: 'unused', token_type: 'Bearer', expires_in: 600, id_token: idToken });
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration')
      json(response, 200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    else if (request.method === 'GET' && url.pathname === '/jwks') json(response, 200, { keys: [jwk] });
    else if (request.method === 'GET' && url.pathname === '/authorize') authorize(url, response);
    else if (request.method === 'POST' && url.pathname === '/token') void token(request, response);
    else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    tokenRequests,
    authorizeRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
