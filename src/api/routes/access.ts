/**
 * GET /api/v1/applications/:namespace/:name/access: what the caller may do to one app, so the dashboard
 * shows only the actions the cluster's RBAC allows (the action routes still check each request).
 */
import type { ApiRoutes } from '../context.js';
import { authorizedApplication, identityOf } from '../context.js';
import { appParams } from './applications.js';
import { ACTIONS } from './actions.js';
import type { ActionName } from './actions.js';

/** What the route answers. */
export interface ApplicationAccess {
  /** Each action, true when the caller may `patch` the Application (all of them need that). */
  actions: Record<ActionName, boolean>;
}

export const accessRoutes: ApiRoutes = (app, ctx) => {
  app.get('/applications/:namespace/:name/access', async (request): Promise<ApplicationAccess> => {
    const { namespace, name } = appParams(request);
    await authorizedApplication(ctx, request, namespace, name, 'get');
    const patch = await ctx.authorizer.allowed(identityOf(request), { verb: 'patch', namespace, name });
    const actions = Object.fromEntries(ACTIONS.map((a) => [a, patch])) as Record<ActionName, boolean>;
    return { actions };
  });
};
