/**
 * Actions: sync, rollback, unpin, suspend, resume, refresh. Each is authorised with SubjectAccessReview
 * (`patch` on the Application) for the caller, then written by the server with its own identity as the
 * request protocol of app/protocol.ts (annotations the controller acts on; spec.suspend for suspend and
 * resume), with who asked (requested-by, so the SyncRecord names them), and audit-logged.
 */
import type { FastifyRequest } from 'fastify';

import type { Application } from '../../app/model.js';
import { appRefOf, MOORING_API_VERSION } from '../../app/model.js';
import {
  refreshRequestPatch,
  rollbackRequestPatch,
  syncRequestPatch,
  unpinRequestPatch,
  withRequester,
} from '../../app/protocol.js';
import { MooringError } from '../../core/errors.js';
import type { ApiContext, ApiRoutes } from '../context.js';
import { authorizedApplication, identityOf } from '../context.js';
import { appParams } from './applications.js';

/** The actions, in the order the OpenAPI document lists them. */
export const ACTIONS = ['sync', 'rollback', 'unpin', 'suspend', 'resume', 'refresh'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** What an action answers (202: the controller acts on it next). */
export interface ActionReply {
  action: ActionName;
  application: { namespace: string; name: string };
  requestedBy: string;
  /** For rollback: the commit or 'previous'. */
  target?: string;
}

/** The rollback target of a request body: a commit id (7–40 hex digits) or 'previous' (the default). Pure. */
export function rollbackTarget(body: unknown): string {
  if (body === undefined || body === null) return 'previous';
  if (typeof body !== 'object' || Array.isArray(body))
    throw new MooringError('INVALID_ARGUMENT', 'the body must be a JSON object', {
      hint: '{"to": "previous"}',
    });
  const to = (body as { to?: unknown }).to;
  if (to === undefined || to === 'previous') return 'previous';
  if (typeof to !== 'string' || !/^[0-9a-f]{7,40}$/i.test(to))
    throw new MooringError(
      'INVALID_ARGUMENT',
      '"to" must be a commit id (7 to 40 hex digits) or "previous"',
      {
        hint: 'GET .../history lists the revisions synced',
      },
    );
  return to.toLowerCase();
}

/** The merge patch an action writes (with who asked, for the request annotations). Pure. */
export function actionPatch(action: ActionName, user: string, now: Date, target = 'previous'): unknown {
  switch (action) {
    case 'sync':
      return withRequester(syncRequestPatch(now), user);
    case 'rollback':
      return withRequester(rollbackRequestPatch(target, now), user);
    case 'unpin':
      return withRequester(unpinRequestPatch(now), user);
    case 'refresh':
      return withRequester(refreshRequestPatch(now), user);
    case 'suspend':
      return { spec: { suspend: true } };
    case 'resume':
      return { spec: { suspend: false } };
  }
}

async function act(
  ctx: ApiContext,
  request: FastifyRequest,
  action: ActionName,
): Promise<{ app: Application; reply: ActionReply }> {
  const { namespace, name } = appParams(request);
  const target = action === 'rollback' ? rollbackTarget(request.body) : undefined;
  const app = await authorizedApplication(ctx, request, namespace, name, 'patch');
  const identity = identityOf(request);
  await ctx.objects.mergePatch(
    MOORING_API_VERSION,
    appRefOf(app),
    actionPatch(action, identity.user, ctx.now(), target),
    {
      fieldManager: 'mooring-api',
    },
  );
  await ctx.audit.record({
    identity,
    action: target === undefined ? action : `${action} to ${target}`,
    app,
    sourceIP: request.ip,
  });
  return {
    app,
    reply: {
      action,
      application: { namespace, name },
      requestedBy: identity.user,
      ...(target === undefined ? {} : { target }),
    },
  };
}

export const actionRoutes: ApiRoutes = (app, ctx) => {
  for (const action of ACTIONS) {
    app.post(`/applications/:namespace/:name/${action}`, async (request, reply) => {
      const done = await act(ctx, request, action);
      return reply.code(202).send(done.reply);
    });
  }
};
