/**
 * The HTTP receiver: POST /api/webhook takes a push delivery from any supported provider,
 * checks its signature over the raw bytes, and asks the controller to refresh the apps it
 * concerns. GET /healthz answers 200. Secrets and payloads are never logged or echoed.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';

import { errorMessage, MooringError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { DeliveryLog } from './deliveries.js';
import { decodePayload, detectProvider, type ProviderHandler } from './providers.js';
import { displayURL } from '../../source/validate.js';
import type { DeliveryResult, PushEvent, WebhookHeaders, WebhookServerOptions } from './types.js';

/** Where providers post deliveries. */
export const WEBHOOK_PATH = '/api/webhook';
/** Bodies above this are refused with 413 unless the options say otherwise. */
export const DEFAULT_WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** A request whose headers take longer than this gets 408 and its connection is closed. */
export const DEFAULT_WEBHOOK_HEADERS_TIMEOUT_MS = 10_000;
/** A request (headers and body) that takes longer than this gets 408 and its connection is closed. */
export const DEFAULT_WEBHOOK_REQUEST_TIMEOUT_MS = 30_000;

/** What the route answers, as data. */
export interface WebhookReply {
  status: number;
  body: unknown;
}

// One answer for every authentication failure: which part was wrong is for the log only.
const UNAUTHORIZED: WebhookReply = { status: 401, body: { error: 'signature verification failed' } };

/** The server-level limits of a receiver: Node's header and request timeouts, keep-alive (slowloris). */
export function webhookServerLimits(
  options: Pick<WebhookServerOptions, 'requestTimeoutMs' | 'headersTimeoutMs'>,
): {
  requestTimeout: number;
  http: { headersTimeout: number; connectionsCheckingInterval: number };
  keepAliveTimeout: number;
  connectionTimeout: number;
} {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_WEBHOOK_REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(
    options.headersTimeoutMs ?? DEFAULT_WEBHOOK_HEADERS_TIMEOUT_MS,
    requestTimeout,
  );
  return {
    // Node answers 408 and closes the connection of a request that trickles in (slowloris); it checks
    // every connectionsCheckingInterval, so that is kept well below the limits.
    requestTimeout,
    http: {
      headersTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
    // A connection idle between requests is closed too, so connections cannot be hoarded.
    keepAliveTimeout: 5_000,
    connectionTimeout: requestTimeout * 2,
  };
}

/** Builds the receiver alone (not listening: call `listen`, or `inject` in tests), with GET /healthz. */
export function buildWebhookServer(options: WebhookServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT,
    ...webhookServerLimits(options),
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  void app.register(webhookPlugin(options));
  return app;
}

/**
 * The receiver as a Fastify plugin (POST /api/webhook), for a server that serves more (src/api/server.ts).
 * Its body parsers, body limit and error answers are its own (encapsulated): the raw bytes stay a Buffer
 * until the signature is checked. The server-level timeouts are the caller's (webhookServerLimits).
 */
export function webhookPlugin(options: WebhookServerOptions): FastifyPluginAsync {
  return (app) => {
    const logger = options.logger ?? silentLogger;
    const deliveries = new DeliveryLog(options.deliveries);
    // Signatures cover the exact bytes sent, so the body stays a Buffer until it is verified.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer' },
      (_request, body, done) => {
        done(null, body);
      },
    );
    const told = (headers: WebhookHeaders, answer: WebhookReply): void => {
      options.onDelivery?.({
        provider: detectProvider(headers)?.provider ?? 'unknown',
        result: deliveryResult(answer),
      });
    };
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const answer = errorReply(error, logger);
      if (request.routeOptions.url === WEBHOOK_PATH) told(request.headers, answer);
      return reply.code(answer.status).send(answer.body);
    });
    app.post(
      WEBHOOK_PATH,
      { bodyLimit: options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const answer = await receive(options, logger, deliveries, request.headers, raw);
        told(request.headers, answer);
        return reply.code(answer.status).send(answer.body);
      },
    );
    return Promise.resolve();
  };
}

/** The result label of an answer (metrics). Pure. */
export function deliveryResult(answer: WebhookReply): DeliveryResult {
  if (answer.status === 401) return 'unauthorized';
  if (answer.status >= 500) return 'error';
  if (answer.status >= 400) return 'invalid';
  if (answer.body === 'pong') return 'ping';
  const body = answer.body as { ignored?: string };
  if (body.ignored === 'duplicate delivery') return 'duplicate';
  return body.ignored === undefined ? 'refreshed' : 'ignored';
}

/** Fastify's own refusals (size, media type) in the receiver's words; anything else is a 500. */
function errorReply(error: FastifyError, logger: Logger): WebhookReply {
  const status = error.statusCode ?? 500;
  if (status === 413) return { status, body: { error: 'payload too large' } };
  if (status === 408) return { status, body: { error: 'request timeout' } };
  if (status === 415) return { status, body: { error: 'unsupported content type: send application/json' } };
  if (status >= 400 && status < 500) return { status, body: { error: 'bad request' } };
  logger.error({ err: errorMessage(error) }, 'webhook receiver failed');
  return { status: 500, body: { error: 'internal error' } };
}

async function receive(
  options: WebhookServerOptions,
  logger: Logger,
  deliveries: DeliveryLog,
  headers: WebhookHeaders,
  raw: Buffer,
): Promise<WebhookReply> {
  const handler = detectProvider(headers);
  if (handler === undefined) {
    logger.warn(
      {},
      'webhook refused: no provider headers (X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Event-Key or X-Mooring-Signature)',
    );
    return UNAUTHORIZED;
  }
  const provider = handler.provider;
  const secret = options.secrets[provider];
  if (secret === undefined || secret === '') {
    logger.warn(
      { provider },
      `webhook refused: no ${provider} webhook secret is configured; configure one to accept ${provider} deliveries`,
    );
    return UNAUTHORIZED;
  }
  if (!handler.verify(secret, raw, headers)) {
    logger.warn(
      { provider },
      'webhook refused: signature or token missing or wrong; check the secret configured at the sender',
    );
    return UNAUTHORIZED;
  }
  // Only verified deliveries are remembered, so nobody without the secret can block an id.
  const delivery = DeliveryLog.keyOf(provider, handler.deliveryId(headers));
  if (delivery !== undefined && deliveries.checkAndRemember(delivery)) {
    logger.info({ provider }, 'webhook ignored: this delivery id was already received');
    // 200, not 409: a sender's redelivery is not an error to report, and the first delivery already
    // refreshed the apps (a refresh re-reads Git; it never trusts the payload's commit).
    return { status: 200, body: { refreshed: [], ignored: 'duplicate delivery' } };
  }
  const reply = await answer(options, logger, handler, headers, raw);
  // A delivery that failed here may be retried by its sender.
  if (delivery !== undefined && reply.status >= 500) deliveries.forget(delivery);
  return reply;
}

async function answer(
  options: WebhookServerOptions,
  logger: Logger,
  handler: ProviderHandler,
  headers: WebhookHeaders,
  raw: Buffer,
): Promise<WebhookReply> {
  const provider = handler.provider;
  let outcome;
  try {
    const contentType = headers['content-type'];
    outcome = handler.parse(
      headers,
      decodePayload(provider, typeof contentType === 'string' ? contentType : undefined, raw),
    );
  } catch (error) {
    if (!(error instanceof MooringError) || error.code !== 'INVALID_ARGUMENT') throw error;
    logger.warn({ provider, reason: error.message }, 'webhook refused: unreadable payload');
    return { status: 400, body: { error: error.message } };
  }
  switch (outcome.kind) {
    case 'ping':
      logger.info({ provider }, 'webhook ping');
      return { status: 200, body: 'pong' };
    case 'ignored':
      logger.debug({ provider, reason: outcome.reason }, 'webhook ignored');
      return { status: 202, body: { refreshed: [], ignored: outcome.reason } };
    case 'push':
      return refresh(options, logger, outcome.events);
  }
}

/** Hands each ref update to the controller in turn and answers with every app refreshed. */
async function refresh(
  options: WebhookServerOptions,
  logger: Logger,
  events: PushEvent[],
): Promise<WebhookReply> {
  const refreshed = new Set<string>();
  for (const event of events) {
    let keys: string[];
    try {
      keys = await options.onPush(event);
    } catch (error) {
      logger.error({ ...describe(event), err: errorMessage(error) }, 'webhook refresh failed');
      return { status: 500, body: { error: 'refresh failed' } };
    }
    logger.info({ ...describe(event), refreshed: keys.length }, 'webhook push');
    for (const key of keys) refreshed.add(key);
  }
  return { status: 202, body: { refreshed: [...refreshed] } };
}

/** What a log line may say about a push: no payload, no credentials (displayURL drops every user-info form). */
function describe(event: PushEvent): Record<string, unknown> {
  return {
    provider: event.provider,
    repo: event.repoURLs[0] === undefined ? undefined : displayURL(event.repoURLs[0]),
    branch: event.branch,
    tag: event.tag,
    after: event.after,
    changedPaths: event.changedPaths?.length,
  };
}
