/**
 * What route plugins get (ApiContext) and the helpers every route uses to know who calls and to ask the
 * cluster's RBAC before doing anything. A route never decides access itself: it asks `authorize`, which
 * throws FORBIDDEN (mapped to 403 `{code, message, hint}` by api/errors.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { Application } from '../app/model.js';
import { MooringError } from '../core/errors.js';
import { mapLimited } from '../core/limit.js';
import type { Logger } from '../core/logger.js';
import type { ClusterRegistry } from '../kube/clusters.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { AuditLog } from './audit.js';
import type { AccessQuestion, Authorizer, Identity } from './auth/types.js';
import type { ApplicationIndex } from './index/app-index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the /api/v1 authentication hook before any route runs. */
    identity?: Identity;
  }
}

/** Everything a route plugin may use. */
export interface ApiContext {
  /** Every Application the server knows (the controller's watch), with summaries, sorted views, changes. */
  index: ApplicationIndex;
  /** The server's own connection (the controller's identity): used only after `authorize` said yes. */
  objects: ObjectsApi;
  /** SubjectAccessReview, cached. Prefer the `authorize` helper. */
  authorizer: Authorizer;
  logger: Logger;
  /** Records who asked for what (Events on the Application and a log line). */
  audit: AuditLog;
  /** Destination clusters (live objects of remote apps); absent when the server runs without a controller. */
  clusters?: ClusterRegistry;
  /** The controller namespace: where Projects (and cluster Secrets) are read from; absent without a controller. */
  namespace?: string;
  now: () => Date;
}

/** A plugin of routes under /api/v1: every request it sees is authenticated (request.identity is set). */
export type ApiRoutes = (app: FastifyInstance, ctx: ApiContext) => Promise<void> | void;

/** The identity of an authenticated request (always set under /api/v1). */
export function identityOf(request: FastifyRequest): Identity {
  const identity = request.identity;
  if (identity === undefined)
    throw new MooringError('UNAUTHENTICATED', 'this request carries no valid Kubernetes identity');
  return identity;
}

/** Throws FORBIDDEN unless the cluster's RBAC allows the caller `question`. */
export async function authorize(
  ctx: ApiContext,
  request: FastifyRequest,
  question: AccessQuestion,
): Promise<void> {
  const identity = identityOf(request);
  if (await ctx.authorizer.allowed(identity, question)) return;
  const resource = `${question.resource ?? 'applications'}.${question.group ?? 'mooring.dev'}`;
  const where = question.namespace === undefined ? 'at cluster scope' : `in namespace ${question.namespace}`;
  throw new MooringError(
    'FORBIDDEN',
    `${identity.user} may not ${question.verb} ${resource}${question.name === undefined ? '' : ` "${question.name}"`} ${where}`,
    {
      hint: `ask for a Role with verb "${question.verb}" on ${resource} ${where} (kubectl auth can-i ${question.verb} ${resource} --as ${identity.user}${question.namespace === undefined ? ' -A' : ` -n ${question.namespace}`})`,
    },
  );
}

/**
 * The Application `namespace/name` after checking that the caller may `verb` it; NOT_FOUND only once
 * access is known, so a caller without rights learns nothing about what exists.
 */
export async function authorizedApplication(
  ctx: ApiContext,
  request: FastifyRequest,
  namespace: string,
  name: string,
  verb: AccessQuestion['verb'],
): Promise<Application> {
  await authorize(ctx, request, { verb, namespace, name });
  const app = ctx.index.get(namespace, name);
  if (app === undefined)
    throw new MooringError('NOT_FOUND', `Application ${namespace}/${name} not found`, {
      hint: 'GET /api/v1/applications lists the Applications you may see',
    });
  return app;
}

/**
 * The namespaces whose Applications the caller may list: 'all' when RBAC allows a cluster-wide list,
 * otherwise those of the index where a namespaced list is allowed (one review per namespace, cached).
 */
export async function visibleNamespaces(
  ctx: ApiContext,
  request: FastifyRequest,
): Promise<ReadonlySet<string> | 'all'> {
  const identity = identityOf(request);
  if (await ctx.authorizer.allowed(identity, { verb: 'list' })) return 'all';
  const namespaces = [...ctx.index.namespaces()];
  const visible = new Set<string>();
  // Bounded: a cold cache over many namespaces must not flood the API server with reviews.
  const answers = await mapLimited(namespaces, 16, (namespace) =>
    ctx.authorizer.allowed(identity, { verb: 'list', namespace }),
  );
  answers.forEach((answer, i) => {
    if (answer.status === 'rejected') throw answer.reason;
    if (answer.value) visible.add(namespaces[i] as string);
  });
  return visible;
}
