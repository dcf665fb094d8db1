/**
 * Authentication and authorisation by the cluster itself: a bearer token is checked with TokenReview, and
 * every read and action with SubjectAccessReview on that identity. Answers are cached briefly, keyed by a
 * hash of the token (never the token) or of the identity and question. Tokens are never logged.
 */
import { createHash } from 'node:crypto';

import type { KubeClient } from '../../kube/client.js';
import { ExpiringCache, secretKey } from './cache.js';
import type { AccessQuestion, Authenticator, Authorizer, Identity } from './types.js';

/** How long answers are kept (ms). Kubernetes' own webhook authenticator keeps 2 min / 30 s. */
export interface ReviewCacheOptions {
  /** A valid token's identity (default 30 s: a revoked token stops working within this). */
  validTtlMs?: number;
  /** An invalid token (default 10 s: garbage tokens cost the cluster one review per 10 s). */
  invalidTtlMs?: number;
  /** An authorisation answer, allowed or denied (default 10 s: RBAC changes take effect within this). */
  accessTtlMs?: number;
  /** Entries kept per cache (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

interface TokenReviewAnswer {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  };
}

interface AccessReviewAnswer {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/** Longest bearer token accepted (Kubernetes tokens are a few KiB at most). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** The answer cache of a review API: bounded (10 000 entries by default), on the options' clock. */
function reviewCache<T>(options: ReviewCacheOptions): ExpiringCache<T> {
  return new ExpiringCache<T>({
    maxEntries: options.maxEntries ?? 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** Checks bearer tokens with the cluster's TokenReview API. */
export class TokenReviewAuthenticator implements Authenticator {
  private readonly cache: ExpiringCache<Identity | null>;
  private readonly validTtlMs: number;
  private readonly invalidTtlMs: number;

  constructor(
    private readonly client: KubeClient,
    options: ReviewCacheOptions = {},
  ) {
    this.cache = reviewCache(options);
    this.validTtlMs = options.validTtlMs ?? 30_000;
    this.invalidTtlMs = options.invalidTtlMs ?? 10_000;
  }

  async authenticate(token: string): Promise<Identity | undefined> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const identity = await this.cache.getOrLoad(secretKey(token), async () => {
      const found = await this.review(token);
      return { value: found ?? null, ttlMs: found === undefined ? this.invalidTtlMs : this.validTtlMs };
    });
    return identity ?? undefined;
  }

  private async review(token: string): Promise<Identity | undefined> {
    const answer = await this.client.request<TokenReviewAnswer>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      verb: 'review',
      subject: 'TokenReview',
    });
    const user = answer.status?.user;
    if (answer.status?.authenticated !== true || user?.username === undefined || user.username === '')
      return undefined;
    return {
      user: user.username,
      ...(user.uid === undefined ? {} : { uid: user.uid }),
      groups: user.groups ?? [],
      ...(user.extra === undefined ? {} : { extra: user.extra }),
      via: 'token-review',
    };
  }
}

/** A stable hash of an identity and a question, as a cache key. Pure. */
export function accessKey(identity: Identity, question: AccessQuestion): string {
  const extra = Object.entries(identity.extra ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(
      JSON.stringify([
        identity.user,
        identity.uid ?? '',
        [...identity.groups].sort(),
        extra,
        question.verb,
        question.group ?? 'mooring.dev',
        question.resource ?? 'applications',
        question.namespace ?? '',
        question.name ?? '',
      ]),
    )
    .digest('base64url');
}

/** Asks SubjectAccessReview for each question, caching allowed and denied answers alike. */
export class SubjectAccessReviewAuthorizer implements Authorizer {
  private readonly cache: ExpiringCache<boolean>;
  private readonly ttlMs: number;

  constructor(
    private readonly client: KubeClient,
    options: ReviewCacheOptions = {},
  ) {
    this.cache = reviewCache(options);
    this.ttlMs = options.accessTtlMs ?? 10_000;
  }

  allowed(identity: Identity, question: AccessQuestion): Promise<boolean> {
    return this.cache.getOrLoad(accessKey(identity, question), async () => ({
      value: await this.review(identity, question),
      ttlMs: this.ttlMs,
    }));
  }

  private async review(identity: Identity, question: AccessQuestion): Promise<boolean> {
    const answer = await this.client.request<AccessReviewAnswer>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: identity.user,
          groups: identity.groups,
          ...(identity.uid === undefined ? {} : { uid: identity.uid }),
          ...(identity.extra === undefined ? {} : { extra: identity.extra }),
          resourceAttributes: {
            group: question.group ?? 'mooring.dev',
            resource: question.resource ?? 'applications',
            verb: question.verb,
            ...(question.namespace === undefined ? {} : { namespace: question.namespace }),
            ...(question.name === undefined ? {} : { name: question.name }),
          },
        },
      },
      verb: 'review',
      subject: 'SubjectAccessReview',
    });
    return answer.status?.allowed === true && answer.status.denied !== true;
  }
}
