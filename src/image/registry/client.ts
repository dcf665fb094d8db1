/**
 * A client of one image's registry over the OCI distribution API only: the tag list (paginated with `n` and
 * `Link`), manifest HEAD for digests, and authentication as registries do it — a 401 with
 * `WWW-Authenticate: Bearer realm,service,scope` sends us to the token service with basic credentials, a
 * `Basic` challenge takes them directly. Conditional requests (If-None-Match on ETags the registry gave),
 * `Retry-After` honoured on 429, bounded bodies, and confinement: only the image's registry host (same
 * scheme and port) and the token realm it names (https unless insecure is allowed) are ever contacted;
 * redirects are not followed.
 */
import { createHash } from 'node:crypto';

import { MooringError } from '../../core/errors.js';
import type { RegistryCredentials } from './credentials.js';
import { nextLink, parseWwwAuthenticate, retryAfterMs } from './headers.js';
import { headerValue, RegistryAgents, send } from './http.js';
import type { HttpReply } from './http.js';
import { DIGEST_PATTERN, parseImageName, TAG_PATTERN } from './reference.js';
import type { ImageLocation } from './reference.js';
import { Egress } from '../../net/egress.js';

/** The manifest media types a HEAD accepts: OCI index and manifest, Docker v2 list and manifest. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Bounds of what a registry may send us. */
export interface RegistryLimits {
  maxTags: number;
  maxPages: number;
  pageBytes: number;
  tokenBytes: number;
  manifestBytes: number;
  /** Retries after 429 before giving up, and the longest single wait we accept. */
  maxRateLimitRetries: number;
  maxRetryWaitMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  maxTags: 50_000,
  maxPages: 200,
  pageBytes: 4 * 1024 * 1024,
  tokenBytes: 64 * 1024,
  manifestBytes: 4 * 1024 * 1024,
  maxRateLimitRetries: 3,
  maxRetryWaitMs: 30_000,
  requestTimeoutMs: 30_000,
};

export interface RegistryClientOptions {
  /** spec.image of the ImageRepository. */
  image: string;
  /** `Kind/namespace/name` of the ImageRepository, for errors. */
  subject: string;
  credentials?: RegistryCredentials | undefined;
  caPem?: string | undefined;
  /** Plain HTTP allowed for the registry and its token realm (spec.insecure). */
  insecure: boolean;
  limits?: Partial<RegistryLimits>;
  /** Injected for tests; waits `ms` or rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => Date;
  /** Which addresses the registry and its token service may be reached at (default: public only). */
  egress?: Egress | undefined;
}

/** What one tag listing found. */
export interface TagListing {
  tags: string[];
  /** Requests sent, and how many pages the registry said had not changed (304). */
  requests: number;
  notModified: number;
}

/** Counters for metrics and tests. */
export interface RegistryStats {
  requests: number;
  tokenRequests: number;
  rateLimited: number;
  notModified: number;
}

/** A REGISTRY_FAILED for a 429 that asked us to wait longer than we accept: when to try again. */
export class RateLimitedError extends MooringError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    subject: string,
  ) {
    super('REGISTRY_FAILED', message, {
      subject,
      retry: 'transient',
      hint: 'the registry limits how often it may be asked: raise spec.interval, or rely on registry webhooks',
    });
  }
}

interface Token {
  value: string;
  expiresAt: number;
}

interface CachedPage {
  etag: string;
  tags: string[];
  next: string | undefined;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new MooringError('TIMEOUT', 'the scan was stopped while waiting for the registry'));
      },
      { once: true },
    );
  });

/** A client of one image's registry; keep one per ImageRepository (it caches tokens and ETags). */
export class RegistryClient {
  readonly location: ImageLocation;
  readonly stats: RegistryStats = { requests: 0, tokenRequests: 0, rateLimited: 0, notModified: 0 };
  private readonly base: URL;
  private readonly limits: RegistryLimits;
  private readonly agents: RegistryAgents;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => Date;
  /** Bearer tokens by scope; `basic` once the registry asked for basic auth. */
  private readonly tokens = new Map<string, Token>();
  private basic = false;
  private readonly pages = new Map<string, CachedPage>();
  private readonly digests = new Map<string, { etag: string; digest: string }>();

  constructor(private readonly options: RegistryClientOptions) {
    this.location = parseImageName(options.image);
    this.base = new URL(`${options.insecure ? 'http' : 'https'}://${this.location.apiHost}`);
    this.limits = { ...DEFAULT_REGISTRY_LIMITS, ...options.limits };
    this.agents = new RegistryAgents(options.caPem, options.egress ?? Egress.shared());
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? (() => new Date());
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agents.destroy();
  }

  /** Every tag of the image, in the registry's order; throws REGISTRY_FAILED for a malformed answer. */
  async listTags(signal?: AbortSignal): Promise<TagListing> {
    const tags: string[] = [];
    const seen = new Set<string>();
    let url: URL | undefined = this.url(`/v2/${this.location.repository}/tags/list?n=1000`);
    let requests = 0;
    let notModified = 0;
    while (url !== undefined) {
      if (++requests > this.limits.maxPages)
        throw this.error(`the tag list has more than ${this.limits.maxPages} pages`);
      if (seen.has(url.href)) throw this.error('the tag list links back to a page already read');
      seen.add(url.href);
      const page = await this.tagPage(url, signal);
      if (page.fromCache) notModified++;
      tags.push(...page.tags);
      if (tags.length > this.limits.maxTags)
        throw this.error(`the image has more than ${this.limits.maxTags} tags`);
      url = page.next === undefined ? undefined : this.url(page.next);
    }
    return { tags, requests, notModified };
  }

  /** The manifest digest of `tag` (HEAD, Docker-Content-Digest; GET and hash when the header is missing). */
  async manifestDigest(tag: string, signal?: AbortSignal): Promise<string> {
    if (!TAG_PATTERN.test(tag)) throw this.error(`"${tag}" is not a valid tag`);
    const url = this.url(`/v2/${this.location.repository}/manifests/${tag}`);
    const cached = this.digests.get(tag);
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    if (cached !== undefined) headers['if-none-match'] = cached.etag;
    const reply = await this.request('HEAD', url, headers, 0, signal);
    if (reply.status === 304 && cached !== undefined) {
      this.stats.notModified++;
      return cached.digest;
    }
    this.expectOk(reply, `HEAD manifest ${tag}`);
    let digest = headerValue(reply.headers, 'docker-content-digest');
    if (digest === undefined) {
      const full = await this.request(
        'GET',
        url,
        { accept: MANIFEST_ACCEPT },
        this.limits.manifestBytes,
        signal,
      );
      this.expectOk(full, `GET manifest ${tag}`);
      digest = `sha256:${createHash('sha256').update(full.body).digest('hex')}`;
    }
    if (!DIGEST_PATTERN.test(digest)) throw this.error(`the manifest of ${tag} has a malformed digest`);
    const etag = headerValue(reply.headers, 'etag');
    if (etag !== undefined && etag.length < 200) this.digests.set(tag, { etag, digest });
    return digest;
  }

  private async tagPage(
    url: URL,
    signal: AbortSignal | undefined,
  ): Promise<{ tags: string[]; next: string | undefined; fromCache: boolean }> {
    const cached = this.pages.get(url.href);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cached !== undefined) headers['if-none-match'] = cached.etag;
    const reply = await this.request('GET', url, headers, this.limits.pageBytes, signal);
    if (reply.status === 304 && cached !== undefined) {
      this.stats.notModified++;
      return { tags: cached.tags, next: cached.next, fromCache: true };
    }
    this.expectOk(reply, 'GET tag list');
    const tags = this.parseTagList(reply.body);
    const next = nextLink(headerValue(reply.headers, 'link'));
    const etag = headerValue(reply.headers, 'etag');
    if (etag !== undefined && etag.length < 200) this.pages.set(url.href, { etag, tags, next });
    return { tags, next, fromCache: false };
  }

  private parseTagList(body: Buffer): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw this.error('the tag list is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw this.error('the tag list is not a JSON object');
    }
    const { tags } = parsed as { tags?: unknown };
    if (tags === null || tags === undefined) return [];
    if (!Array.isArray(tags)) throw this.error('the tag list\'s "tags" is not an array');
    for (const tag of tags) {
      if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) {
        const shown = typeof tag === 'string' ? JSON.stringify(tag.slice(0, 64)) : typeof tag;
        throw this.error(`the tag list holds ${shown}, which is not a valid tag`);
      }
    }
    return tags as string[];
  }

  /** One request with authentication and 429 handling. `maxBody` 0 for HEAD. */
  private async request(
    method: 'GET' | 'HEAD',
    url: URL,
    headers: Record<string, string>,
    maxBody: number,
    signal: AbortSignal | undefined,
  ): Promise<HttpReply> {
    let authorised = false;
    for (let attempt = 0; ; attempt++) {
      const reply = await this.send(method, url, { ...headers, ...this.authorization(url) }, maxBody, signal);
      if (reply.status === 401 && !authorised) {
        authorised = true;
        await this.authenticate(reply, signal);
        continue;
      }
      if (reply.status !== 429) return reply;
      this.stats.rateLimited++;
      await this.waitAfterRateLimit(reply, attempt, signal);
    }
  }

  private async send(
    method: 'GET' | 'HEAD',
    url: URL,
    headers: Record<string, string>,
    maxBody: number,
    signal: AbortSignal | undefined,
  ): Promise<HttpReply> {
    this.stats.requests++;
    return send(this.agents, {
      method,
      url,
      headers,
      // HEAD answers have no body; a small cap still bounds a server that sends one anyway.
      maxBodyBytes: maxBody === 0 ? 64 * 1024 : maxBody,
      timeoutMs: this.limits.requestTimeoutMs,
      signal,
    });
  }

  private async waitAfterRateLimit(
    reply: HttpReply,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const asked = retryAfterMs(headerValue(reply.headers, 'retry-after'), this.now());
    const wait = asked ?? Math.min(1000 * 2 ** attempt, this.limits.maxRetryWaitMs);
    if (attempt >= this.limits.maxRateLimitRetries || wait > this.limits.maxRetryWaitMs) {
      throw new RateLimitedError(
        `${this.location.registry} answered 429 Too Many Requests${asked === undefined ? '' : ` (Retry-After ${Math.ceil(asked / 1000)}s)`}`,
        wait,
        this.options.subject,
      );
    }
    await this.sleep(wait, signal);
  }

  /** The Authorization header for a request to the registry: a cached token, or basic once asked for. */
  private authorization(url: URL): Record<string, string> {
    if (url.origin !== this.base.origin) return {};
    const token = this.tokens.get(this.scope());
    if (token !== undefined && token.expiresAt > this.now().getTime())
      return { authorization: `Bearer ${token.value}` };
    const credentials = this.options.credentials;
    if (this.basic && credentials !== undefined) return { authorization: basicHeader(credentials) };
    return {};
  }

  private scope(): string {
    return `repository:${this.location.repository}:pull`;
  }

  /** Answers a 401 challenge: a Bearer token from the realm it names, or basic credentials. */
  private async authenticate(reply: HttpReply, signal: AbortSignal | undefined): Promise<void> {
    const challenges = parseWwwAuthenticate(headerValue(reply.headers, 'www-authenticate'));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer !== undefined) {
      await this.fetchToken(bearer.params, signal);
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (this.options.credentials === undefined)
        throw this.unauthorised('asks for credentials and none are set');
      this.basic = true;
      return;
    }
    throw this.unauthorised('answered 401 without a Bearer or Basic challenge');
  }

  private async fetchToken(params: Record<string, string>, signal: AbortSignal | undefined): Promise<void> {
    const realm = this.realmURL(params.realm);
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    // Only ever ask for pull on our own repository, whatever scope the challenge names.
    realm.searchParams.set('scope', this.scope());
    const credentials = this.options.credentials;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials !== undefined) headers.authorization = basicHeader(credentials);
    this.stats.tokenRequests++;
    const reply = await send(this.agents, {
      method: 'GET',
      url: realm,
      headers,
      maxBodyBytes: this.limits.tokenBytes,
      timeoutMs: this.limits.requestTimeoutMs,
      signal,
    });
    if (reply.status === 401 || reply.status === 403) {
      throw this.unauthorised(
        `'s token service ${realm.host} refused ${credentials === undefined ? 'anonymous access' : 'the credentials'}`,
      );
    }
    if (reply.status !== 200) throw this.error(`the token service ${realm.host} answered ${reply.status}`);
    this.tokens.set(this.scope(), this.parseToken(reply.body));
  }

  /** The token realm: an absolute http(s) URL, https unless insecure is allowed, no user-info. */
  private realmURL(realm: string | undefined): URL {
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw this.error('the Bearer challenge names no valid realm URL');
    }
    const allowed = url.protocol === 'https:' || (url.protocol === 'http:' && this.options.insecure);
    if (!allowed || url.username !== '' || url.password !== '') {
      throw new MooringError(
        'UNSAFE_INPUT',
        `${this.location.registry} names a token realm at ${url.protocol}//${url.host}, which is refused: only https (or http with spec.insecure) without user-info`,
        {
          subject: this.options.subject,
          hint: 'set spec.insecure: true only for a test registry on plain HTTP',
        },
      );
    }
    return url;
  }

  private parseToken(body: Buffer): Token {
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw this.error('the token service answered something that is not JSON');
    }
    const value = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
    if (typeof value !== 'string' || value === '' || /[\s]/.test(value)) {
      throw this.error('the token service answered without a token');
    }
    // The spec's default lifetime is 60 s; a token is renewed a little before it expires.
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    return { value, expiresAt: this.now().getTime() + Math.max(0, seconds - 5) * 1000 };
  }

  /** A path or link target resolved on the registry; anything on another origin is refused. */
  private url(pathOrLink: string): URL {
    const url = new URL(pathOrLink, this.base);
    if (url.origin !== this.base.origin) {
      throw new MooringError(
        'UNSAFE_INPUT',
        `${this.location.registry} pointed the scan at ${url.protocol}//${url.host}, which is not the image's registry`,
        { subject: this.options.subject },
      );
    }
    return url;
  }

  private expectOk(reply: HttpReply, what: string): void {
    if (reply.status >= 200 && reply.status < 300) return;
    if (reply.status === 401 || reply.status === 403)
      throw this.unauthorised(`refused ${what} (${reply.status})`);
    const code = registryErrorCode(reply.body);
    const detail = code === undefined ? '' : ` ${code}`;
    const error = this.error(`${what} answered ${reply.status}${detail}`);
    if (reply.status === 404) {
      throw new MooringError('REGISTRY_FAILED', error.message, {
        subject: this.options.subject,
        retry: 'transient',
        hint: `check spec.image: ${this.location.canonicalName} is not on the registry (or the credentials cannot see it)`,
      });
    }
    throw error;
  }

  private unauthorised(why: string): MooringError {
    return new MooringError('REGISTRY_FAILED', `${this.location.registry} ${why}`, {
      subject: this.options.subject,
      retry: 'transient',
      hint: 'check spec.secretRef: a kubernetes.io/dockerconfigjson Secret with an entry for this registry host',
    });
  }

  private error(message: string): MooringError {
    return new MooringError('REGISTRY_FAILED', `${this.location.canonicalName}: ${message}`, {
      subject: this.options.subject,
      retry: 'transient',
      hint: 'the last good scan is kept; the scan is retried on the next interval',
    });
  }
}

function basicHeader(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** The first `errors[].code` of a distribution error body (UNAUTHORIZED, NAME_UNKNOWN, …), if readable. */
function registryErrorCode(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
    const code = parsed.errors?.[0]?.code;
    return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
