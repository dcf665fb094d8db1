/**
 * An API server in front of a controller harness, as `mooring controller` assembles it: the Application
 * index (fed by a watch here, the controller's own in the product), TokenReview + SubjectAccessReview, and
 * the routes that need the controller (tree, diffs, streams). Plus a ServiceAccount token with the Role a
 * test asks for.
 */
import type { TestContext } from 'node:test';
import type { AddressInfo } from 'node:net';

import type { FastifyPluginAsync } from 'fastify';

import { controllerRoutes } from '../../../src/api/controller-routes.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { watchApplications } from '../../../src/api/index/watch.js';
import { buildHttpServer } from '../../../src/api/serve.js';
import { connect } from '../../../src/kube/connect.js';
import { testCluster } from '../../helpers/kube.js';
import type { ControllerHarness } from '../controller/harness.js';
import { kubectl } from '../controller/harness.js';

export interface ApiHarness {
  /** http://127.0.0.1:PORT */
  base: string;
  /** GET as JSON with the bearer token; throws with the body on a non-2xx answer. */
  getJson<T>(path: string, token: string): Promise<T>;
}

/**
 * Starts the API server for `h` (its controller must be running); stopped when the test ends. `plugins`:
 * more of what `mooring controller` serves on the same port (the dashboard).
 */
export async function apiHarness(
  t: TestContext,
  h: ControllerHarness,
  plugins: FastifyPluginAsync[] = [],
): Promise<ApiHarness> {
  const controller = h.controller;
  if (controller === undefined) throw new Error('start the controller first');
  const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
  const index = new ApplicationIndex();
  const detail = controllerRoutes({
    controller,
    index,
    objects,
    namespaces: [h.appNamespace],
    logger: h.logger,
  });
  const server = await buildHttpServer({
    objects,
    index,
    logger: h.logger,
    clusters: controller.clusters,
    namespace: h.appNamespace,
    routes: detail.routes,
    openApiPaths: detail.openApiPaths,
    plugins,
  });
  const watcher = await watchApplications(objects, index, [h.appNamespace], h.logger);
  index.markSynced();
  await detail.start();
  await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    detail.stop();
    watcher.stop();
    await server.close();
    objects.client.close();
  });
  const port = (server.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    async getJson<T>(path: string, token: string): Promise<T> {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

/**
 * A ServiceAccount in `namespace` with a Role of `verbs` on applications.mooring.dev there, and a token
 * for it (TokenRequest, 1 h).
 */
export async function serviceAccountToken(namespace: string, name: string, verbs: string[]): Promise<string> {
  await kubectl(['-n', namespace, 'create', 'serviceaccount', name]);
  await kubectl([
    '-n',
    namespace,
    'create',
    'role',
    name,
    `--verb=${verbs.join(',')}`,
    '--resource=applications.mooring.dev',
  ]);
  await kubectl([
    '-n',
    namespace,
    'create',
    'rolebinding',
    name,
    `--role=${name}`,
    `--serviceaccount=${namespace}:${name}`,
  ]);
  return (await kubectl(['-n', namespace, 'create', 'token', name, '--duration=1h'])).trim();
}
