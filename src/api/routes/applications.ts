/**
 * Read routes: the list (filtered, sorted, paged from the index), one Application with its status, its
 * history (SyncRecords, newest first) and the Events about it. Each authorised with SubjectAccessReview.
 */
import type { FastifyRequest } from 'fastify';

import type { Application } from '../../app/model.js';
import { MOORING_API_VERSION, RECORD_APP_LABEL } from '../../app/model.js';
import { MooringError } from '../../core/errors.js';
import type { KubeObject } from '../../core/objects.js';
import { newestFirst } from '../../crd/syncrecord.js';
import type { ApiContext, ApiRoutes } from '../context.js';
import { authorizedApplication, visibleNamespaces } from '../context.js';
import { parseListQuery } from '../index/query.js';
import type { ListParams } from '../index/query.js';
import { indexEntryOf } from '../index/summary.js';

/** `:namespace/:name` of a route, checked to be Kubernetes names before anything uses them. */
export function appParams(request: FastifyRequest): { namespace: string; name: string } {
  const { namespace, name } = request.params as { namespace?: unknown; name?: unknown };
  const dns = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
  if (typeof namespace !== 'string' || typeof name !== 'string' || !dns.test(namespace) || !dns.test(name))
    throw new MooringError('INVALID_ARGUMENT', 'namespace and name must be Kubernetes object names', {
      hint: 'e.g. /api/v1/applications/team-a/web',
    });
  return { namespace, name };
}

function stringParams(query: unknown): ListParams {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value))
      throw new MooringError('INVALID_ARGUMENT', `query parameter ${key} is given more than once`, {
        hint: 'give several values as one comma-separated parameter, e.g. health=Degraded,Progressing',
      });
  }
  return params;
}

function limitOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new MooringError('INVALID_ARGUMENT', 'limit must be a whole number from 1 to 1000', {
      hint: `e.g. limit=${fallback}`,
    });
  return limit;
}

/** What GET .../:namespace/:name answers: the summary, and the object without managedFields. */
export function applicationView(app: Application): Record<string, unknown> {
  const { managedFields: _managed, ...metadata } = app.metadata;
  return {
    summary: indexEntryOf(app).summary,
    apiVersion: app.apiVersion,
    kind: app.kind,
    metadata,
    spec: app.spec,
    ...(app.status === undefined ? {} : { status: app.status }),
  };
}

async function history(ctx: ApiContext, app: Application, limit: number): Promise<Record<string, unknown>[]> {
  const records = await ctx.objects.list(MOORING_API_VERSION, 'SyncRecord', {
    namespace: app.metadata.namespace,
    labelSelector: `${RECORD_APP_LABEL}=${app.metadata.name}`,
  });
  // Records of an earlier Application of the same name are not this one's history.
  const owned = records.filter((r) => {
    const owners = r.metadata.ownerReferences as { uid?: string }[] | undefined;
    return (
      owners === undefined || app.metadata.uid === undefined || owners.some((o) => o.uid === app.metadata.uid)
    );
  });
  return newestFirst(owned)
    .slice(0, limit)
    .map((r) => ({ name: r.metadata.name, ...(r.spec as Record<string, unknown>) }));
}

interface EventObject extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
  involvedObject?: { uid?: string };
}

async function events(ctx: ApiContext, app: Application, limit: number): Promise<Record<string, unknown>[]> {
  const list = await ctx.objects.client.request<{ items?: EventObject[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(app.metadata.namespace)}/events`,
    query: {
      fieldSelector: `involvedObject.kind=Application,involvedObject.name=${app.metadata.name}`,
    },
    verb: 'list',
  });
  const when = (e: EventObject): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
  return (list.items ?? [])
    .filter(
      (e) =>
        app.metadata.uid === undefined ||
        e.involvedObject?.uid === undefined ||
        e.involvedObject.uid === app.metadata.uid,
    )
    .sort((a, b) => when(b).localeCompare(when(a)))
    .slice(0, limit)
    .map((e) => ({
      type: e.type,
      reason: e.reason,
      message: e.message,
      count: e.count ?? 1,
      firstTimestamp: e.firstTimestamp ?? e.eventTime,
      lastTimestamp: when(e),
      source: e.source?.component,
    }));
}

export const applicationRoutes: ApiRoutes = (app, ctx) => {
  app.get('/applications', async (request) => {
    const params = stringParams(request.query);
    const query = parseListQuery(params);
    const visible = await visibleNamespaces(ctx, request);
    return ctx.index.list(query, params, visible);
  });

  app.get('/applications/:namespace/:name', async (request) => {
    const { namespace, name } = appParams(request);
    return applicationView(await authorizedApplication(ctx, request, namespace, name, 'get'));
  });

  app.get('/applications/:namespace/:name/history', async (request) => {
    const { namespace, name } = appParams(request);
    const limit = limitOf(stringParams(request.query).limit, 100);
    const application = await authorizedApplication(ctx, request, namespace, name, 'get');
    return { items: await history(ctx, application, limit) };
  });

  app.get('/applications/:namespace/:name/events', async (request) => {
    const { namespace, name } = appParams(request);
    const limit = limitOf(stringParams(request.query).limit, 100);
    const application = await authorizedApplication(ctx, request, namespace, name, 'get');
    return { items: await events(ctx, application, limit) };
  });
};
