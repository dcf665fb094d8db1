import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Watcher, WatchOptions } from '../kube/watch.js';

/** What to keep: one kind, optionally one namespace and selectors. */
export type WatchedSetTarget = Pick<
  WatchOptions,
  'apiVersion' | 'kind' | 'namespace' | 'labelSelector' | 'fieldSelector'
>;

/**
 * The objects a list+watch currently sees, started on first use: a reconcile that needs them (repository
 * credentials, the health-checks ConfigMap) reads memory instead of making a request each time. Until the
 * initial list is in, `objects()` waits for it.
 */
export class WatchedSet {
  private readonly items = new Map<string, KubeObject>();
  private watcher: Watcher | undefined;
  private synced: Promise<void> | undefined;

  constructor(
    private readonly api: ObjectsApi,
    private readonly target: WatchedSetTarget,
    private readonly logger: Logger,
  ) {}

  /** The objects as last seen (starts the watch and waits for its initial list the first time). */
  async objects(): Promise<KubeObject[]> {
    this.synced ??= new Promise<void>((resolve, reject) => {
      let listed = false;
      this.watcher = this.api.watch({
        ...this.target,
        onEvent: (event) => {
          const key = `${event.object.metadata.namespace ?? ''}/${event.object.metadata.name}`;
          if (event.type === 'DELETED') this.items.delete(key);
          else this.items.set(key, event.object);
        },
        onSynced: () => {
          listed = true;
          resolve();
        },
        onError: (error) => {
          // Before the first list (forbidden, not served): fail this read as a request would; the next
          // read starts over.
          if (!listed) {
            this.stop();
            reject(error);
            return;
          }
          this.logger.warn({ kind: this.target.kind, err: error.message }, 'watch interrupted; resuming');
        },
      });
    });
    await this.synced;
    return [...this.items.values()];
  }

  stop(): void {
    this.watcher?.stop();
    this.watcher = undefined;
    this.synced = undefined;
    this.items.clear();
  }
}
