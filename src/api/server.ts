/**
 * The controller's one HTTP server, on one port (`mooring controller --http-port`, default 8080):
 *
 *   POST /api/webhook          Git push webhooks (controller/webhook: signatures, 1 MiB body, replay log)
 *   GET  /healthz              200 while the process serves
 *   GET  /readyz               200 once the Application watch has listed everything (index synced), else 503
 *   GET  /api/openapi.json     the OpenAPI 3 document of every route
 *   GET  /api/auth/config      how the dashboard may sign in (OIDC issuer, client id, endpoints; no secret)
 *   /api/v1/projects, /clusters  Projects of the controller namespace, destination clusters (routes/)
 *   /api/v1/...                the REST API: every request authenticated (bearer token → TokenReview, or an
 *                              OIDC ID token), every read and action authorised with SubjectAccessReview
 *   plugins                    extra root-level plugins as given (e.g. metrics' GET /metrics)
 *
 * For route plugins (another file adding routes under /api/v1):
 *
 *   import type { ApiRoutes } from './context.js';
 *   import { authorize, authorizedApplication, identityOf, visibleNamespaces } from './context.js';
 *   export const myRoutes: ApiRoutes = (app, ctx) => {
 *     app.get('/applications/:namespace/:name/tree', async (request) => {
 *       const { namespace, name } = request.params as { namespace: string; name: string };
 *       const application = await authorizedApplication(ctx, request, namespace, name, 'get');  // 403/404
 *       return ...;   // throw MooringError for errors: api/errors.ts maps them to {code, message, hint}
 *     });
 *   };
 *   buildApiServer({ ..., routes: [myRoutes], openApiPaths: { "/api/v1/...": {...} } })  // or registerRoutes
 *
 * `ctx` (ApiContext, context.ts): `index` (Applications, summaries, sorted views, `subscribe` to numbered
 * changes for streams), `objects` (the server's connection, for reads/writes after authorize), `authorizer`,
 * `logger`, `audit`, `clusters` (destination clusters), `now`. Long-lived responses (server-sent events)
 * must write at least every 30 s: connections idle for 2 × the request timeout are closed.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

import { MooringError } from '../core/errors.js';
import { webhookPlugin, webhookServerLimits } from '../controller/webhook/server.js';
import type { WebhookServerOptions } from '../controller/webhook/types.js';
import type { Authenticator, LoginConfig } from './auth/types.js';
import type { ApiContext, ApiRoutes } from './context.js';
import { errorReply } from './errors.js';
import { openApiDocument } from './openapi.js';
import { applicationRoutes } from './routes/applications.js';
import { actionRoutes } from './routes/actions.js';
import { accessRoutes } from './routes/access.js';
import { clusterRoutes } from './routes/clusters.js';
import { projectRoutes } from './routes/projects.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The login settings (GET /api/auth/config): the dashboard's page policy allows the token endpoint. */
    loginConfig?: () => Promise<LoginConfig>;
  }
}

/** The prefix of the REST API. */
export const API_PREFIX = '/api/v1';
/** Largest JSON body the API routes take (the webhook route keeps its own, larger limit). */
export const API_BODY_LIMIT = 64 * 1024;

export interface ApiServerOptions {
  context: ApiContext;
  /** Turns a bearer token into an identity (TokenReview, and OIDC when configured). */
  authenticator: Authenticator;
  /** The webhook receiver's options; absent: no POST /api/webhook. */
  webhook?: WebhookServerOptions;
  /** Ready: the controller's watches have listed (default: the index says it is synced). */
  ready?: () => boolean;
  /** More routes under /api/v1 (authenticated like the built-in ones). */
  routes?: ApiRoutes[];
  /** Root-level plugins (e.g. GET /metrics). */
  plugins?: FastifyPluginAsync[];
  /** OpenAPI path items of the extra routes and plugins, merged into /api/openapi.json. */
  openApiPaths?: Record<string, unknown>;
  /** Timeouts (defaults as the webhook receiver's: headers 10 s, request 30 s). */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/** The routes every server has under /api/v1. */
export const BUILT_IN_ROUTES: ApiRoutes[] = [
  applicationRoutes,
  actionRoutes,
  accessRoutes,
  projectRoutes,
  clusterRoutes,
];

/** The bearer token of a request, if it carries one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/**
 * Registers `routes` under /api/v1 in one encapsulated scope whose every request is authenticated first
 * (401 without a valid token). Exported for tests and for servers assembled differently.
 */
export async function registerRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  authenticator: Authenticator,
  routes: ApiRoutes[],
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request) => {
        const token = bearerToken(request);
        const identity = token === undefined ? undefined : await authenticator.authenticate(token);
        if (identity === undefined)
          throw new MooringError(
            'UNAUTHENTICATED',
            token === undefined ? 'no bearer token' : 'the bearer token was not accepted',
          );
        request.identity = identity;
      });
      for (const route of routes) await route(scope, ctx);
    },
    { prefix: API_PREFIX },
  );
}

function sendError(
  ctx: ApiContext,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const answer = errorReply(error);
  if (answer.internal)
    ctx.logger.error(
      {
        method: request.method,
        url: request.routeOptions.url,
        err: error instanceof Error ? error.message : String(error),
      },
      'API request failed',
    );
  if (answer.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  return reply.code(answer.status).send(answer.body);
}

/** Builds the server (not listening: call `listen`, or `inject` in tests). */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const ctx = options.context;
  const app = Fastify({
    logger: false,
    bodyLimit: API_BODY_LIMIT,
    ...webhookServerLimits(options),
    // Behind a Service or an ingress the caller's address is X-Forwarded-For's first hop only if trusted:
    // it is not, the audit names the peer the server saw.
    trustProxy: false,
  });
  app.setErrorHandler((error, request, reply) => sendError(ctx, error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(ctx, Object.assign(new Error('no such route'), { statusCode: 404 }), request, reply),
  );
  app.get('/healthz', () => ({ status: 'ok' }));
  const ready = options.ready ?? (() => ctx.index.synced);
  app.get('/readyz', (_request, reply) =>
    ready()
      ? { status: 'ready' }
      : reply.code(503).send({ status: 'not ready: Applications not listed yet' }),
  );
  const routes = [...BUILT_IN_ROUTES, ...(options.routes ?? [])];
  app.get('/api/openapi.json', () => openApiDocument(options.openApiPaths));
  // Public by nature (a login page needs it before anyone has a token): the issuer and client id only.
  const loginConfig = (): Promise<LoginConfig> =>
    options.authenticator.loginConfig?.() ?? Promise.resolve({});
  app.decorate('loginConfig', loginConfig);
  app.get('/api/auth/config', () => loginConfig());
  if (options.webhook !== undefined) await app.register(webhookPlugin(options.webhook));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  await registerRoutes(app, ctx, options.authenticator, routes);
  return app;
}
