/**
 * A watch of Applications of its own, feeding an ApplicationIndex, for a server run without a controller
 * (benchmarks, a read-only API replica). In the controller, the index is fed by the controller's watch.
 */
import { MOORING_API_VERSION, readApplication } from '../../app/model.js';
import type { Application } from '../../app/model.js';
import type { Logger } from '../../core/logger.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import type { Watcher } from '../../kube/watch.js';
import type { ApplicationIndex } from './app-index.js';
import { watchScopes } from '../../kube/watch-scopes.js';

/** Watches Applications in `namespaces` ('all': cluster-wide) into `index`; resolves once all have listed. */
export async function watchApplications(
  objects: ObjectsApi,
  index: ApplicationIndex,
  namespaces: string[] | 'all',
  logger: Logger,
): Promise<Watcher> {
  const watchers: Watcher[] = [];
  await Promise.all(
    watchScopes(namespaces).map(
      (namespace) =>
        new Promise<void>((resolve) => {
          watchers.push(
            objects.watch({
              apiVersion: MOORING_API_VERSION,
              kind: 'Application',
              ...(namespace === undefined ? {} : { namespace }),
              onEvent: (event) => {
                if (event.type === 'DELETED') {
                  index.onApplication('DELETED', event.object as Application);
                  return;
                }
                const parsed = readApplication(event.object);
                if (parsed.ok) index.onApplication(event.type, parsed.app);
              },
              onSynced: resolve,
              onError: (error) => {
                logger.warn(
                  { namespace: namespace ?? '*', err: error.message },
                  'Application watch interrupted; resuming',
                );
              },
            }),
          );
        }),
    ),
  );
  index.markSynced();
  return {
    stop: () => {
      for (const w of watchers) w.stop();
    },
  };
}
