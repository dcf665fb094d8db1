/**
 * The image automation loop of `mooring controller`: watches ImageUpdateAutomations and ImagePolicies, and
 * runs each automation at its interval and at once when a policy of its namespace chooses a new image (a
 * registry webhook → a scan → ImagePolicy status → here within a watch event). One run per automation at a
 * time; triggers during a run coalesce into one more run.
 */
import type { Application } from '../../app/model.js';
import { MOORING_API_VERSION } from '../../app/model.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { KubeObject } from '../../core/objects.js';
import { durationMs } from '../../crd/common.js';
import type { ImageUpdateAutomation } from '../../crd/imageupdateautomation.js';
import { IMAGE_UPDATE_AUTOMATION_KIND, parseImageUpdateAutomation } from '../../crd/imageupdateautomation.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import type { Watcher } from '../../kube/watch.js';
import type { AutomationOutcome } from './automation.js';
import { runAutomation } from './automation.js';
import { sameRepository } from './hold.js';
import type { ImageUpdateReport } from './report.js';
import { imageUpdateReport } from './report.js';
import type { Egress } from '../../net/egress.js';
import { kindsServed } from '../../kube/kinds-served.js';
import { watchScopes } from '../../kube/watch-scopes.js';

export interface ImageAutomationLoopOptions {
  objects: ObjectsApi;
  logger: Logger;
  /** Namespaces whose automations run: 'all', or a list (the controller's application namespaces). */
  namespaces: string[] | 'all';
  /** The Applications the controller knows, for rollback holds. */
  applications(): readonly Application[];
  allowFileRepos?: boolean | undefined;
  /** Which addresses pull-request APIs may be reached at (default: public only). */
  egress?: Egress | undefined;
  /** Metrics hook: one call per run. */
  onRun?: (automation: ImageUpdateAutomation, outcome: AutomationOutcome) => void;
  /** Metrics hook: an automation (`namespace/name`) was deleted. */
  onDeleted?: (key: string) => void;
  /**
   * Called after each push with the repository and branch pushed to, so the Applications deploying from it
   * refresh at once instead of at their next poll (see refreshAppsOf).
   */
  onPushed?: (repoURL: string, branch: string) => void;
  /** Called after each run with what it did and to which Applications (notifications). */
  onReport?: (report: ImageUpdateReport) => void;
}

interface Entry {
  automation: ImageUpdateAutomation;
  generation: unknown;
  timer?: NodeJS.Timeout | undefined;
  running?: Promise<void> | undefined;
  again: boolean;
}

/** Runs ImageUpdateAutomations; start() after the controller started, stop() before it stops. */
export class ImageAutomationLoop {
  private readonly entries = new Map<string, Entry>();
  private readonly watches: Watcher[] = [];
  /** status.latestImage of each ImagePolicy (`namespace/name`), to run only on a new choice. */
  private readonly chosen = new Map<string, string | undefined>();
  private stopped = false;

  constructor(private readonly options: ImageAutomationLoopOptions) {}

  /** Starts the watches; false (and nothing runs) when the ImageUpdateAutomation or ImagePolicy CRD is not served. */
  async start(): Promise<boolean> {
    const served = await kindsServed(this.options.objects.discovery, MOORING_API_VERSION, [
      IMAGE_UPDATE_AUTOMATION_KIND,
      'ImagePolicy',
    ]);
    if (!served) {
      this.options.logger.info(
        {},
        'image update automation off: the ImageUpdateAutomation/ImagePolicy CRDs are not installed',
      );
      return false;
    }
    const namespaces = watchScopes(this.options.namespaces);
    await Promise.all(
      namespaces.flatMap((namespace) => [
        this.watch(IMAGE_UPDATE_AUTOMATION_KIND, namespace, (type, object) => {
          this.onAutomation(type, object);
        }),
        this.watch('ImagePolicy', namespace, (type, object) => {
          this.onPolicy(type, object);
        }),
      ]),
    );
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const watch of this.watches) watch.stop();
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    await Promise.all([...this.entries.values()].map((entry) => entry.running ?? Promise.resolve()));
  }

  /** Runs the automation `namespace/name` now (or right after the run under way). */
  trigger(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined || this.stopped) return;
    if (entry.running !== undefined) {
      entry.again = true;
      return;
    }
    clearTimeout(entry.timer);
    entry.running = this.run(key, entry).finally(() => {
      entry.running = undefined;
      if (entry.again && !this.stopped && this.entries.get(key) === entry) {
        entry.again = false;
        this.trigger(key);
      }
    });
  }

  private async run(key: string, entry: Entry): Promise<void> {
    try {
      const outcome = await runAutomation(
        {
          objects: this.options.objects,
          logger: this.options.logger,
          applications: () => Promise.resolve(this.options.applications()),
          allowFileRepos: this.options.allowFileRepos,
          egress: this.options.egress,
          ...(this.options.onRun === undefined ? {} : { onRun: this.options.onRun }),
        },
        entry.automation,
      );
      this.options.logger.info({ automation: key, outcome: outcome.kind }, describe(outcome));
      // Reported before the refresh: "images updated" is told before the sync it causes.
      this.options.onReport?.(imageUpdateReport(entry.automation, outcome, this.options.applications()));
      if (outcome.kind === 'pushed')
        this.options.onPushed?.(entry.automation.spec.sourceRef.url, outcome.branch);
    } catch (error) {
      this.options.logger.error(
        { automation: key, error: errorMessage(error) },
        'image automation run failed',
      );
    }
    if (this.stopped || this.entries.get(key) !== entry) return;
    const interval = durationMs(entry.automation.spec.interval);
    entry.timer = setTimeout(
      () => {
        this.trigger(key);
      },
      Number.isFinite(interval) ? interval : 60_000,
    );
    entry.timer.unref();
  }

  private onAutomation(type: string, object: KubeObject): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const existing = this.entries.get(key);
    if (type === 'DELETED') {
      clearTimeout(existing?.timer);
      this.entries.delete(key);
      this.options.onDeleted?.(key);
      return;
    }
    let automation: ImageUpdateAutomation;
    try {
      automation = parseImageUpdateAutomation(object);
    } catch (error) {
      this.options.logger.warn(
        { automation: key, error: errorMessage(error) },
        'invalid ImageUpdateAutomation',
      );
      return;
    }
    const generation = object.metadata.generation;
    if (existing !== undefined) {
      // Our own status writes come back as events too: only a new generation is a new spec.
      const changed = existing.generation !== generation;
      const status = automation.status ?? existing.automation.status;
      existing.automation = status === undefined ? automation : { ...automation, status };
      existing.generation = generation;
      if (changed) this.trigger(key);
      return;
    }
    this.entries.set(key, { automation, generation, again: false });
    this.trigger(key);
  }

  private onPolicy(type: string, object: KubeObject): void {
    const namespace = object.metadata.namespace ?? '';
    const key = `${namespace}/${object.metadata.name}`;
    const latest =
      type === 'DELETED' ? undefined : (object.status as { latestImage?: string } | undefined)?.latestImage;
    if (this.chosen.has(key) && this.chosen.get(key) === latest) return;
    const first = !this.chosen.has(key);
    this.chosen.set(key, latest);
    if (first && latest === undefined) return;
    for (const [automationKey, entry] of this.entries)
      if (entry.automation.metadata.namespace === namespace) this.trigger(automationKey);
  }

  private watch(
    kind: string,
    namespace: string | undefined,
    onEvent: (type: string, object: KubeObject) => void,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const watch = this.options.objects.watch({
        apiVersion: MOORING_API_VERSION,
        kind,
        ...(namespace === undefined ? {} : { namespace }),
        onEvent: (event) => {
          onEvent(event.type, event.object);
        },
        onSynced: resolve,
        onError: (error) => {
          this.options.logger.warn(
            { kind, namespace: namespace ?? '*', err: error.message },
            `${kind} watch interrupted; resuming`,
          );
        },
      });
      this.watches.push(watch);
    });
  }
}

/**
 * The keys (`namespace/name`) of the Applications among `apps` that deploy from `repoURL` at `branch`: the
 * ones to refresh after an automation pushed there. Pure.
 */
export function appsOf(apps: readonly Application[], repoURL: string, branch: string): string[] {
  return apps
    .filter(
      (app) => sameRepository(app.spec.source.repoURL, repoURL) && app.spec.source.ref.branch === branch,
    )
    .map((app) => `${app.metadata.namespace}/${app.metadata.name}`);
}

function describe(outcome: AutomationOutcome): string {
  switch (outcome.kind) {
    case 'pushed':
      return `image automation pushed ${outcome.commit.slice(0, 12)} to ${outcome.branch} (${String(outcome.changes.length)} fields)`;
    case 'unchanged':
      return outcome.held.length > 0
        ? `image automation: ${outcome.held.map((h) => h.reason).join('; ')}`
        : 'image automation: repository up to date';
    case 'suspended':
      return 'image automation suspended';
    case 'failed':
      return `image automation failed: ${outcome.message}`;
  }
}
