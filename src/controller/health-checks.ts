/**
 * The controller's custom health checks: the cluster-wide ConfigMap `mooring-health-checks` in the
 * controller namespace (CEL `healthCheckExprs` and Argo CD `resource.customizations.health.*` Lua scripts),
 * kept by a watch of that one ConfigMap (no request per sync) and recompiled only when its resourceVersion
 * moves, with each Application's own spec.healthCheckExprs in front.
 */
import { isRecord } from '../core/objects.js';
import {
  checksFromConfigMapData,
  HEALTH_CHECKS_CONFIGMAP,
  loadCustomHealthChecks,
  NO_CUSTOM_CHECKS,
  withAppChecks,
  type CustomHealthChecks,
} from '../health/custom/index.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { Application } from './app-types.js';
import { WatchedSet } from './watched-set.js';

export class ClusterHealthChecks {
  private loaded: { resourceVersion: string | undefined; checks: CustomHealthChecks } = {
    resourceVersion: undefined,
    checks: NO_CUSTOM_CHECKS,
  };
  private readonly byApp = new Map<string, CustomHealthChecks>();

  private readonly configMap: WatchedSet;

  constructor(
    objects: ObjectsApi,
    private readonly namespace: string,
    logger: Logger = silentLogger,
  ) {
    this.configMap = new WatchedSet(
      objects,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace,
        fieldSelector: `metadata.name=${HEALTH_CHECKS_CONFIGMAP}`,
      },
      logger,
    );
  }

  /**
   * The checks for one app's sync; throws INVALID_ARGUMENT naming the ConfigMap entry or app field whose
   * expression does not parse (the sync must not go on judging health by other rules than its owner chose).
   */
  async forApp(app: Application): Promise<CustomHealthChecks> {
    const cluster = await this.cluster();
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    const checks = withAppChecks(
      cluster,
      app.spec.healthCheckExprs,
      `Application ${key} spec.healthCheckExprs`,
    );
    this.byApp.set(key, checks);
    return checks;
  }

  /** The checks of the app's last sync (for status between syncs); none before its first. */
  lastFor(app: Application): CustomHealthChecks {
    return this.lastForKey(`${app.metadata.namespace}/${app.metadata.name}`);
  }

  /** The same by app key `namespace/name` (undefined: the cluster-wide checks). */
  lastForKey(key: string | undefined): CustomHealthChecks {
    return (key === undefined ? undefined : this.byApp.get(key)) ?? this.loaded.checks;
  }

  close(): void {
    this.configMap.stop();
    this.loaded.checks.sandbox?.close();
  }

  private async cluster(): Promise<CustomHealthChecks> {
    const [cm] = await this.configMap.objects();
    const resourceVersion = cm?.metadata.resourceVersion as string | undefined;
    if (resourceVersion === this.loaded.resourceVersion) return this.loaded.checks;
    const data = cm !== undefined && isRecord(cm.data) ? cm.data : {};
    const checks = await loadCustomHealthChecks(
      checksFromConfigMapData(data, `ConfigMap ${this.namespace}/${HEALTH_CHECKS_CONFIGMAP}`),
    );
    // The old VM is not closed: a sync in flight may still judge health with it. The ConfigMap rarely
    // changes and a VM is small, so this is a bounded leak, not a growing one.
    this.loaded = { resourceVersion, checks };
    return checks;
  }
}
