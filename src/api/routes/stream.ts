/**
 * GET /api/v1/stream/applications (the list view: one event per summary change, filtered like the list)
 * and GET /api/v1/applications/:namespace/:name/stream (one app: status, new SyncRecords, Events).
 * Server-sent events; resume with the Last-Event-ID header. The list stream re-checks, per namespace, that
 * the caller may still list Applications there; the app stream, that it may still get this one.
 */
import type { ApiRoutes } from '../context.js';
import { authorizedApplication, identityOf } from '../context.js';
import { matches, parseListQuery } from '../index/query.js';
import type { ListParams } from '../index/query.js';
import type { ServeOptions, StreamHub } from '../stream.js';
import { appView, listView, serveEvents } from '../stream.js';
import { appParams } from './applications.js';
import { MooringError } from '../../core/errors.js';

const FILTERS = ['project', 'namespace', 'cluster', 'sync', 'health', 'selector', 'text'] as const;

function filterParams(query: unknown): ListParams {
  const params: ListParams = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (!(FILTERS as readonly string[]).includes(key)) continue;
    if (typeof value !== 'string')
      throw new MooringError('INVALID_ARGUMENT', `query parameter ${key} is given more than once`, {
        hint: 'give several values as one comma-separated parameter, e.g. health=Degraded,Progressing',
      });
    params[key as (typeof FILTERS)[number]] = value;
  }
  return params;
}

export function streamRoutes(hub: StreamHub, options: ServeOptions = {}): ApiRoutes {
  return (app, ctx) => {
    app.get('/stream/applications', async (request, reply) => {
      const query = parseListQuery(filterParams(request.query));
      const identity = identityOf(request);
      const view = listView(
        (entry) => matches({ ...entry, app: undefined as never }, query, 'all'),
        async (namespace) =>
          (await ctx.authorizer.allowed(identity, { verb: 'list' })) ||
          ctx.authorizer.allowed(identity, { verb: 'list', namespace }),
      );
      reply.hijack();
      await serveEvents(request.raw, reply.raw, hub.ring, view, options);
    });

    app.get('/applications/:namespace/:name/stream', async (request, reply) => {
      const { namespace, name } = appParams(request);
      await authorizedApplication(ctx, request, namespace, name, 'get');
      const identity = identityOf(request);
      const view = appView(namespace, name, (ns) =>
        ctx.authorizer.allowed(identity, { verb: 'get', namespace: ns, name }),
      );
      reply.hijack();
      await serveEvents(request.raw, reply.raw, hub.ring, view, options);
    });
  };
}
