/**
 * Optional OIDC login: an ID token from the configured issuer is verified with `jose` against the issuer's
 * keys (JWKS from its discovery document), its audience must be the client id, and it maps to a Kubernetes
 * identity `oidc:<username claim>` with groups `oidc:<group>` (plus system:authenticated, as the API server
 * adds), which SubjectAccessReview then authorises like any user. Other tokens go to TokenReview.
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';

import { errorMessage, MooringError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Authenticator, Identity, LoginConfig } from './types.js';

export interface OidcOptions {
  /** The issuer URL exactly as in its tokens' `iss` (https; http only on a loopback address). */
  issuer: string;
  /** The audience tokens must carry. */
  clientId: string;
  /** Claim holding the user name (default `sub`; `email` requires email_verified). */
  usernameClaim?: string;
  /** Claim holding the groups (default `groups`). */
  groupsClaim?: string;
  /** Prefix of the mapped user and groups (default `oidc:`), so they never collide with cluster identities. */
  prefix?: string;
}

/**
 * What the dashboard needs to sign a user in with the issuer (authorization code + PKCE in the browser):
 * public values only, the same any client of the issuer reads from its discovery document.
 */
export interface OidcLoginConfig {
  issuer: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  scopes: string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Refuses anything but https, except plain http to a loopback address (a local test issuer). Pure. */
export function checkIssuerURL(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MooringError('INVALID_ARGUMENT', `${what} "${raw}" is not a URL`, {
      hint: 'e.g. https://login.example.com',
    });
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  throw new MooringError('UNSAFE_INPUT', `${what} ${url.origin} is not https`, {
    hint: 'OIDC keys are only fetched over https (plain http only from a loopback address, for tests)',
  });
}

/** Verifies ID tokens of one issuer. */
export class OidcAuthenticator implements Authenticator {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  private endpoints: { authorization?: string; token?: string } = {};

  constructor(
    private readonly options: OidcOptions,
    private readonly logger: Logger,
  ) {
    checkIssuerURL(options.issuer, '--oidc-issuer');
  }

  /** Whether a token claims to come from this issuer (unverified: only to pick the authenticator). */
  claims(token: string): boolean {
    try {
      return decodeJwt(token).iss === this.options.issuer;
    } catch {
      return false;
    }
  }

  private async keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks !== undefined) return this.jwks;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    this.jwks = await this.discovering;
    return this.jwks;
  }

  private async discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const url = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: {
      issuer?: unknown;
      jwks_uri?: unknown;
      authorization_endpoint?: unknown;
      token_endpoint?: unknown;
    };
    try {
      const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (error) {
      throw new MooringError(
        'PREREQUISITE_MISSING',
        `the OIDC discovery document ${url} could not be read: ${errorMessage(error)}`,
        {
          hint: 'check --oidc-issuer and that the controller can reach it',
        },
      );
    }
    if (document.issuer !== this.options.issuer || typeof document.jwks_uri !== 'string')
      throw new MooringError(
        'PREREQUISITE_MISSING',
        `the OIDC discovery document of ${this.options.issuer} names another issuer or no jwks_uri`,
        {
          hint: '--oidc-issuer must equal the "issuer" of the discovery document exactly',
        },
      );
    const jwks = createRemoteJWKSet(checkIssuerURL(document.jwks_uri, 'jwks_uri'), {
      timeoutDuration: 10_000,
    });
    // Only the login page uses these; an issuer without them still verifies tokens.
    const endpoint = (value: unknown, what: string): string | undefined => {
      if (typeof value !== 'string') return undefined;
      try {
        return checkIssuerURL(value, what).href;
      } catch {
        return undefined;
      }
    };
    const authorization = endpoint(document.authorization_endpoint, 'authorization_endpoint');
    const token = endpoint(document.token_endpoint, 'token_endpoint');
    this.endpoints = {
      ...(authorization === undefined ? {} : { authorization }),
      ...(token === undefined ? {} : { token }),
    };
    return jwks;
  }

  /**
   * The dashboard's login settings (from the discovery document, read once). Throws PREREQUISITE_MISSING
   * when the issuer names no https authorization or token endpoint (tokens are still accepted).
   */
  async login(): Promise<OidcLoginConfig> {
    await this.keys();
    const { authorization, token } = this.endpoints;
    if (authorization === undefined || token === undefined)
      throw new MooringError(
        'PREREQUISITE_MISSING',
        `the OIDC discovery document of ${this.options.issuer} names no usable authorization_endpoint and token_endpoint`,
        {
          hint: 'sign in by pasting an ID token, or use an issuer that supports the authorization code flow',
        },
      );
    const groups = this.options.groupsClaim ?? 'groups';
    return {
      issuer: this.options.issuer,
      clientId: this.options.clientId,
      authorizationEndpoint: authorization,
      tokenEndpoint: token,
      scopes: ['openid', 'profile', 'email', ...(groups === 'groups' ? ['groups'] : [])],
    };
  }

  async authenticate(token: string): Promise<Identity | undefined> {
    const keys = await this.keys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.clientId,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) {
        this.logger.info({ reason: error.code }, 'OIDC token refused');
        return undefined;
      }
      throw error;
    }
    return this.identityOf(payload);
  }

  /** The Kubernetes identity of verified claims; undefined when the username claim is missing. Pure. */
  identityOf(payload: JWTPayload): Identity | undefined {
    const prefix = this.options.prefix ?? 'oidc:';
    const usernameClaim = this.options.usernameClaim ?? 'sub';
    const username = payload[usernameClaim];
    if (typeof username !== 'string' || username === '') return undefined;
    if (usernameClaim === 'email' && payload.email_verified !== true) return undefined;
    const rawGroups = payload[this.options.groupsClaim ?? 'groups'];
    const groups = (
      Array.isArray(rawGroups) ? rawGroups : typeof rawGroups === 'string' ? [rawGroups] : []
    ).filter((g): g is string => typeof g === 'string' && g !== '');
    return {
      user: `${prefix}${username}`,
      groups: [...groups.map((g) => `${prefix}${g}`), 'system:authenticated'],
      via: 'oidc',
    };
  }
}

/** OIDC for tokens its issuer signed, TokenReview for every other token. */
export class CompositeAuthenticator implements Authenticator {
  constructor(
    private readonly oidc: OidcAuthenticator | undefined,
    private readonly kubernetes: Authenticator,
  ) {}

  /** The OIDC login settings when OIDC is configured (the dashboard offers "Sign in with OIDC"). */
  async loginConfig(): Promise<LoginConfig> {
    return this.oidc === undefined ? {} : { oidc: await this.oidc.login() };
  }

  authenticate(token: string): Promise<Identity | undefined> {
    if (this.oidc?.claims(token) === true) return this.oidc.authenticate(token);
    return this.kubernetes.authenticate(token);
  }
}
