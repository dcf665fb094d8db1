/**
 * The routes that need the controller itself (resource tree, live and history diffs, event streams), made
 * from a running Controller: `mooring controller` adds them to its HTTP server.
 */
import type { Controller } from '../controller/controller.js';
import type { Logger } from '../core/logger.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ApiRoutes } from './context.js';
import type { ApplicationIndex } from './index/app-index.js';
import { detailRoutes } from './routes/detail.js';
import { DETAIL_OPENAPI_PATHS } from './routes/detail-openapi.js';
import { streamRoutes } from './routes/stream.js';
import { StreamHub } from './stream.js';

export interface ControllerRoutes {
  routes: ApiRoutes[];
  /** Their entries of /api/openapi.json. */
  openApiPaths: Record<string, unknown>;
  /** Starts the stream's watches (SyncRecords, Events); resolves once they have listed. */
  start(): Promise<void>;
  stop(): void;
}

export function controllerRoutes(options: {
  controller: Controller;
  index: ApplicationIndex;
  objects: ObjectsApi;
  namespaces: readonly string[] | 'all';
  logger: Logger;
}): ControllerRoutes {
  const { controller } = options;
  const hub = new StreamHub({
    index: options.index,
    objects: options.objects,
    namespaces: options.namespaces,
    logger: options.logger,
  });
  return {
    routes: [
      detailRoutes({
        preview: controller.reconciler.preview,
        cached: (cluster, id) => controller.cachedObject(cluster, id),
        assessFor: (app) => controller.assessFor(app),
      }),
      streamRoutes(hub),
    ],
    openApiPaths: DETAIL_OPENAPI_PATHS,
    start: () => hub.start(),
    stop: () => {
      hub.stop();
    },
  };
}
