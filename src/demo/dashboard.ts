/**
 * The demo's dashboard: the controller's HTTP API and the web dashboard on 127.0.0.1 (a free port), fed by
 * the demo controller, and a URL that logs in with a short-lived token of a demo ServiceAccount allowed to
 * read and sync the demo's Applications (nothing else). The token is in the URL's fragment, which browsers
 * never send to a server; the page moves it to the tab's sessionStorage and drops it from the address.
 */
import type { AddressInfo } from 'node:net';

import { controllerRoutes } from '../api/controller-routes.js';
import { dashboardPlugin } from '../api/dashboard.js';
import { ApplicationIndex } from '../api/index/app-index.js';
import { watchApplications } from '../api/index/watch.js';
import { buildHttpServer } from '../api/serve.js';
import type { Controller } from '../controller/controller.js';
import type { Logger } from '../core/logger.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { DEMO_NAMESPACE } from './apps.js';

/** The ServiceAccount the demo's login URL acts as. */
export const DEMO_VIEWER = 'mooring-demo-operator';
/** How long the login URL's token lasts. */
export const DEMO_TOKEN_SECONDS = 3600;

export interface DemoDashboard {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** The same, with `#token=…`: opens the dashboard logged in. */
  loginURL: string;
  stop(): Promise<void>;
}

const RBAC = 'rbac.authorization.k8s.io/v1';

/** The ServiceAccount, a Role on the demo's Applications (read, watch, patch for actions) and its binding. */
async function ensureOperator(objects: ObjectsApi): Promise<void> {
  const meta = { name: DEMO_VIEWER, namespace: DEMO_NAMESPACE };
  await objects.apply(
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    { fieldManager: 'mooring-demo' },
  );
  await objects.apply(
    {
      apiVersion: RBAC,
      kind: 'Role',
      metadata: meta,
      rules: [
        { apiGroups: ['mooring.dev'], resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch'] },
      ],
    },
    { fieldManager: 'mooring-demo' },
  );
  await objects.apply(
    {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DEMO_VIEWER },
      subjects: [{ kind: 'ServiceAccount', name: DEMO_VIEWER, namespace: DEMO_NAMESPACE }],
    },
    { fieldManager: 'mooring-demo' },
  );
}

async function shortLivedToken(objects: ObjectsApi): Promise<string> {
  const answer = await objects.client.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${DEMO_NAMESPACE}/serviceaccounts/${DEMO_VIEWER}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: DEMO_TOKEN_SECONDS },
    },
    verb: 'create',
  });
  return answer.status.token;
}

export async function startDashboard(
  objects: ObjectsApi,
  controller: Controller,
  logger: Logger,
): Promise<DemoDashboard> {
  const index = new ApplicationIndex();
  const detail = controllerRoutes({ controller, index, objects, namespaces: [DEMO_NAMESPACE], logger });
  const server = await buildHttpServer({
    objects,
    index,
    logger,
    clusters: controller.clusters,
    namespace: DEMO_NAMESPACE,
    routes: detail.routes,
    openApiPaths: detail.openApiPaths,
    plugins: [dashboardPlugin()],
  });
  const watcher = await watchApplications(objects, index, [DEMO_NAMESPACE], logger);
  index.markSynced();
  await detail.start();
  await server.listen({ port: 0, host: '127.0.0.1' });
  const stop = async (): Promise<void> => {
    detail.stop();
    watcher.stop();
    await server.close();
  };
  try {
    await ensureOperator(objects);
    const token = await shortLivedToken(objects);
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/`;
    return { url, loginURL: `${url}#token=${token}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
