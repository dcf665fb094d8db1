/**
 * Registry webhooks: POST /api/webhook/registry takes CNCF distribution notifications
 * (`application/vnd.docker.distribution.events.v1+json`, `{"events": [{action: "push", target: {repository,
 * tag, mediaType}, request: {host}}]}`), authenticated by a shared secret (`Authorization: Bearer <secret>`,
 * or a header of your choice), and scans the matching ImageRepositories at once. The payload only says
 * where to look: the scan reads the registry itself, so a forged tag or digest changes nothing.
 * A Fastify plugin, registered on the webhook server.
 */
import { timingSafeEqual, createHash } from 'node:crypto';

import type { FastifyPluginAsync } from 'fastify';

import { type Logger, silentLogger } from '../core/logger.js';

/** Where registries post notifications. */
export const REGISTRY_WEBHOOK_PATH = '/api/webhook/registry';
/** The media type of distribution's notification envelope. */
export const DISTRIBUTION_EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';
const MAX_EVENTS = 1000;

/** A push the notification names: which registry host (when it says) and repository. */
export interface RegistryPush {
  host: string | undefined;
  repository: string;
  tag: string | undefined;
}

export interface RegistryWebhookOptions {
  /** The shared secret; without one every delivery is refused (401). */
  secret: string | undefined;
  /** The header carrying the secret: `authorization` (default, as `Bearer <secret>`) or e.g. `x-registry-token`. */
  header?: string | undefined;
  /** Scans what the pushes name; returns the ImageRepositories (namespace/name) triggered. */
  onPush: (pushes: RegistryPush[]) => string[];
  logger?: Logger;
  bodyLimitBytes?: number;
}

/** The image pushes of a distribution notification body; throws on a body that is not one. */
export function parseRegistryNotification(body: unknown): RegistryPush[] {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new Error('the body has no "events" array');
  const pushes: RegistryPush[] = [];
  for (const event of events.slice(0, MAX_EVENTS)) {
    if (typeof event !== 'object' || event === null) continue;
    const { action, target, request } = event as { action?: unknown; target?: unknown; request?: unknown };
    if (action !== 'push' || typeof target !== 'object' || target === null) continue;
    const { repository, tag, mediaType, url } = target as Record<string, unknown>;
    if (typeof repository !== 'string' || repository === '' || repository.length > 512) continue;
    // Blob pushes (layers, configs) are not new images; a manifest push has a manifest media type.
    if (typeof mediaType === 'string' && !/manifest|index/.test(mediaType)) continue;
    const requestHost = (request as { host?: unknown } | null)?.host;
    pushes.push({
      host: typeof requestHost === 'string' && requestHost !== '' ? requestHost : hostOf(url),
      repository,
      tag: typeof tag === 'string' ? tag : undefined,
    });
  }
  return pushes;
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Constant-time comparison of the presented secret (hashed first, so lengths do not leak). */
function secretMatches(presented: string | undefined, secret: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

function presentedSecret(headers: Record<string, unknown>, header: string): string | undefined {
  const raw = headers[header];
  const value = Array.isArray(raw) ? (raw[0] as unknown) : raw;
  if (typeof value !== 'string') return undefined;
  if (header !== 'authorization') return value;
  const match = /^Bearer\s+(.+)$/i.exec(value);
  return match?.[1]?.trim();
}

function bodyOf(raw: unknown): unknown {
  if (Buffer.isBuffer(raw)) return JSON.parse(raw.toString('utf8')) as unknown;
  if (typeof raw === 'string') return JSON.parse(raw) as unknown;
  return raw;
}

/** The route as a Fastify plugin (encapsulated: its content-type parser stays inside it). */
export function registryWebhookPlugin(options: RegistryWebhookOptions): FastifyPluginAsync {
  const logger = options.logger ?? silentLogger;
  const header = (options.header ?? 'authorization').toLowerCase();
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  return (app) => {
    app.addContentTypeParser(
      DISTRIBUTION_EVENTS_MEDIA_TYPE,
      { parseAs: 'buffer', bodyLimit },
      (_req, body, done) => {
        done(null, body);
      },
    );
    if (!app.hasContentTypeParser('application/json')) {
      app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
        done(null, body);
      });
    }
    app.post(REGISTRY_WEBHOOK_PATH, { bodyLimit }, async (request, reply) => {
      const secret = options.secret;
      if (secret === undefined || secret === '') {
        logger.warn({}, 'registry webhook refused: no registry webhook secret is configured');
        return reply.code(401).send({ error: 'unauthorized' });
      }
      if (!secretMatches(presentedSecret(request.headers, header), secret)) {
        logger.warn({ header }, 'registry webhook refused: secret missing or wrong');
        return reply.code(401).send({ error: 'unauthorized' });
      }
      let pushes: RegistryPush[];
      try {
        pushes = parseRegistryNotification(bodyOf(request.body));
      } catch (error) {
        const why = error instanceof SyntaxError ? 'the body is not JSON' : (error as Error).message;
        logger.warn({ reason: why }, 'registry webhook refused: unreadable payload');
        return reply.code(400).send({ error: why });
      }
      const scanned = options.onPush(pushes);
      logger.info({ pushes: pushes.length, scanned: scanned.length }, 'registry webhook');
      // 200 for every authenticated delivery: the registry retries anything else, and a push we do not
      // scan (no ImageRepository for it) will not become scannable by retrying.
      return reply.code(200).send({ scanned });
    });
    return Promise.resolve();
  };
}
