/**
 * Assembles the controller's HTTP server from its parts: the index (fed by the controller), the cluster's
 * TokenReview/SubjectAccessReview (and OIDC when configured), the audit log, the webhook receiver.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

import type { Logger } from '../core/logger.js';
import type { ClusterRegistry } from '../kube/clusters.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { WebhookServerOptions } from '../controller/webhook/types.js';
import { eventAuditLog } from './audit.js';
import { SubjectAccessReviewAuthorizer, TokenReviewAuthenticator } from './auth/kubernetes.js';
import type { ReviewCacheOptions } from './auth/kubernetes.js';
import { CompositeAuthenticator, OidcAuthenticator } from './auth/oidc.js';
import type { OidcOptions } from './auth/oidc.js';
import type { ApiContext, ApiRoutes } from './context.js';
import type { ApplicationIndex } from './index/app-index.js';
import { buildApiServer } from './server.js';

export interface HttpServerSetup {
  objects: ObjectsApi;
  index: ApplicationIndex;
  logger: Logger;
  clusters?: ClusterRegistry;
  /** The controller namespace (Projects, cluster Secrets): GET /projects and /clusters read there. */
  namespace?: string;
  oidc?: OidcOptions;
  webhook?: WebhookServerOptions;
  ready?: () => boolean;
  routes?: ApiRoutes[];
  plugins?: FastifyPluginAsync[];
  openApiPaths?: Record<string, unknown>;
  cache?: ReviewCacheOptions;
}

/** The ApiContext of a server that talks to the cluster through `objects`. */
export function apiContext(
  setup: Pick<HttpServerSetup, 'objects' | 'index' | 'logger' | 'clusters' | 'namespace' | 'cache'>,
): ApiContext {
  return {
    index: setup.index,
    objects: setup.objects,
    authorizer: new SubjectAccessReviewAuthorizer(setup.objects.client, setup.cache),
    logger: setup.logger,
    audit: eventAuditLog(setup.objects, setup.logger),
    ...(setup.clusters === undefined ? {} : { clusters: setup.clusters }),
    ...(setup.namespace === undefined ? {} : { namespace: setup.namespace }),
    now: () => new Date(),
  };
}

/** Builds the whole server (not listening). */
export function buildHttpServer(setup: HttpServerSetup): Promise<FastifyInstance> {
  const kubernetes = new TokenReviewAuthenticator(setup.objects.client, setup.cache);
  const oidc = setup.oidc === undefined ? undefined : new OidcAuthenticator(setup.oidc, setup.logger);
  return buildApiServer({
    context: apiContext(setup),
    authenticator: new CompositeAuthenticator(oidc, kubernetes),
    ...(setup.webhook === undefined ? {} : { webhook: setup.webhook }),
    ...(setup.ready === undefined ? {} : { ready: setup.ready }),
    ...(setup.routes === undefined ? {} : { routes: setup.routes }),
    ...(setup.plugins === undefined ? {} : { plugins: setup.plugins }),
    ...(setup.openApiPaths === undefined ? {} : { openApiPaths: setup.openApiPaths }),
  });
}
