/**
 * The controller's HTTP server as `mooring controller --http-port` assembles it, dashboard included, in
 * front of a controller harness: the Application index fed by a watch, TokenReview + SubjectAccessReview,
 * the detail and stream routes, and the built dashboard (dist/ui) at `/`.
 */
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

import { controllerRoutes } from '../../../src/api/controller-routes.js';
import { dashboardPlugin } from '../../../src/api/dashboard.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { watchApplications } from '../../../src/api/index/watch.js';
import { buildHttpServer } from '../../../src/api/serve.js';
import { connect } from '../../../src/kube/connect.js';
import { testCluster } from '../../helpers/kube.js';
import type { ControllerHarness } from '../controller/harness.js';

/** Starts the server for `h` (its controller must be running) and answers its base URL. */
export async function dashboardServer(t: TestContext, h: ControllerHarness): Promise<string> {
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
    routes: detail.routes,
    plugins: [dashboardPlugin()],
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
  return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}
