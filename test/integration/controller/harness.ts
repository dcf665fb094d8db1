/**
 * Test harness for the pull-mode controller against the real local cluster. Per test: a namespace for
 * Applications (the controller watches exactly one), a destination namespace, a Git repository served over
 * smart HTTP, and an in-process Controller stopped when the test ends. Helpers publish commits, create
 * Applications and wait for what the cluster and the Application status say.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import type { Application, ApplicationSpec, Condition } from '../../../src/controller/app-types.js';
import { FINALIZER, MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import { Controller } from '../../../src/controller/controller.js';
import type { ControllerOptions } from '../../../src/controller/controller.js';
import { RECORD_APP_LABEL } from '../../../src/controller/records.js';
import type { Logger } from '../../../src/core/logger.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { pollUntil } from '../../../src/core/wait.js';
import { renderTools } from '../../../src/devcluster/render-helper.js';
import { findToolchain } from '../../../src/devcluster/toolchain.js';
import type { Toolchain } from '../../../src/devcluster/toolchain.js';
import { startGitHttpServer } from '../../../src/devgit/http-server.js';
import type { GitHttpServer } from '../../../src/devgit/http-server.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import { adminBindingName, adminProjectObjects } from '../../../src/install/projects.js';
import { connect } from '../../../src/kube/connect.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import type { RequestStats } from '../../../src/kube/stats.js';
import type { Metrics } from '../../../src/metrics/metrics.js';
import type { SourceLimits } from '../../../src/source/types.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { configMap, deployment as manifestDeployment, yamlStream } from '../../helpers/manifests.js';
import type { Egress } from '../../../src/net/egress.js';
import { loopbackEgress } from '../../helpers/egress.js';

export { configMap, yamlStream };

const run = promisify(execFile);

/** The ServiceAccount the harness's permissive Project applies as (bound to cluster-admin). */
export const TEST_DEPLOYER = 'mooring-test-deployer';

/** The folder of the repository every Application in these tests syncs. */
export const APP_PATH = 'app';
/** The secret the webhook receiver checks (generic and GitHub deliveries). */
export const WEBHOOK_SECRET = 'test-webhook-secret';
export const GIT_USER = 'mooring';
export const GIT_PASSWORD = 'git-password-not-for-logs';

export function toolchain(): Toolchain {
  const found = findToolchain();
  if (!('toolchain' in found))
    throw new Error(`toolchain incomplete, missing ${found.missing.join(', ')}: run npm run toolchain`);
  return found.toolchain;
}

/**
 * A logger that keeps the last lines, so a timeout can say what the controller was doing, and every line
 * of every level in `all`, so a test can check the whole log (no credentials in it).
 */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  readonly all: string[] = [];
  debug(obj: object, msg?: string): void {
    // Kept in `all` only: debug lines would drown the ones that explain a failure.
    this.all.push(`debug: ${msg ?? ''} ${JSON.stringify(obj)}`);
  }
  info(obj: object, msg?: string): void {
    this.keep('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.keep('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.keep('error', obj, msg);
  }
  private keep(level: string, obj: object, msg: string | undefined): void {
    const line = `${level}: ${msg ?? ''} ${JSON.stringify(obj)}`;
    this.all.push(line);
    this.lines.push(line);
    if (this.lines.length > 50) this.lines.shift();
  }
}

let crdsApplied: Promise<void> | undefined;

/** Installs Mooring's CRDs with server-side apply (idempotent; they stay installed). */
export function applyCrds(): Promise<void> {
  crdsApplied ??= (async () => {
    const dir = join(packageRoot(), 'deploy', 'crds');
    await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=mooring-tests',
      '-f',
      join(dir, 'applications.yaml'),
      '-f',
      join(dir, 'syncrecords.yaml'),
      '-f',
      join(dir, 'projects.yaml'),
      '-f',
      join(dir, 'notificationpolicies.yaml'),
    ]);
    await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/applications.mooring.dev',
      'crd/syncrecords.mooring.dev',
      'crd/projects.mooring.dev',
      'crd/notificationpolicies.mooring.dev',
    ]);
  })();
  return crdsApplied;
}

/** Runs the toolchain's kubectl against the test cluster; returns stdout. */
export async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await run(toolchain().kubectl, ['--kubeconfig', testCluster().kubeconfigPath, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

export interface HarnessOptions {
  /** Serve the repository with basic auth (Applications then need `secretRef: git-credentials`). */
  basicAuth?: boolean;
  /** Let clients (the controller's rollback) push over HTTP; needs basicAuth, as Git hosts do. */
  allowPush?: boolean;
  /** Run the webhook receiver on 127.0.0.1, port 0, with WEBHOOK_SECRET for generic and GitHub. */
  webhook?: boolean;
  /** Start the in-process controller (default true). */
  startController?: boolean;
  /** Accept file:// repoURLs (default true, as the tests and the demo run it). */
  allowFileRepos?: boolean;
  /** Source export limits of the controller (default: the product's). */
  sourceLimits?: Partial<SourceLimits>;
  /**
   * Create a permissive `default` Project in the app namespace (the controller's namespace in these tests),
   * applied as a cluster-admin ServiceAccount (default true). False: the test sets up its own Projects.
   */
  permissiveProject?: boolean;
  /** Namespaces whose Applications the controller watches (default: the app namespace only). */
  applicationNamespaces?: string[];
  /** The render helper binary the controller runs (default: the built one); tests wrap it to count renders. */
  renderHelper?: string;
  /** How often the controller probes remote clusters (default: the product's). */
  clusterProbeIntervalMs?: number;
  /** Metrics the controller feeds (and serves at /metrics on the webhook port). */
  metrics?: Metrics;
  /** Send what NotificationPolicies ask for (default: notifications off). */
  notifications?: ControllerOptions['notifications'];
  /**
   * Outbound connections of sinks and delivery analysis (default: loopback allowed, as the test receivers
   * listen there; 'product-default' passes nothing, so the controller's own default applies).
   */
  egress?: Egress | 'product-default';
}

export interface ControllerHarness {
  /** Where Applications live and the controller watches. */
  appNamespace: string;
  /** Where the apps' objects go. */
  destNamespace: string;
  repo: WorkingRepo;
  /** http://127.0.0.1:PORT/app.git, without credentials. */
  repoURL: string;
  git: GitHttpServer;
  /** The running controller (undefined before startController / after stopController). */
  controller: Controller | undefined;
  logger: RecordingLogger;
  /** A client for assertions and for creating Applications. */
  observer: ObjectsApi;
  cacheDir: string;
  /** A name unique to this run (the tracking label uses Application names). */
  uniqueName(prefix: string): string;
  /** Writes files under `folder` (null removes one), commits and pushes; returns the commit. */
  publish(files: Record<string, string | KubeObject[] | null>, folder?: string): Promise<string>;
  /** An Application of `folder` (default APP_PATH) on branch main, polled every 2 s unless `spec` says otherwise. */
  createApp(name: string, spec?: Partial<ApplicationSpec>, folder?: string): Promise<Application>;
  getApp(name: string): Promise<Application>;
  patchApp(name: string, patch: unknown): Promise<void>;
  /** Polls the Application until `check` returns true; a timeout error shows its status and the log. */
  waitForApp(
    name: string,
    what: string,
    check: (app: Application) => boolean,
    timeoutMs?: number,
  ): Promise<Application>;
  /** Polls until `check` returns a value; timeout error names `what`. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  syncRecords(appName: string): Promise<KubeObject[]>;
  events(appName: string): Promise<KubeObject[]>;
  /**
   * Polls the app's Events until one has `reason` (and a message `match` accepts) and returns it: Events are
   * recorded beside status and SyncRecords, so a test that saw those must not read Events only once.
   */
  waitForEvent(
    appName: string,
    reason: string,
    match?: (message: string) => boolean,
    timeoutMs?: number,
  ): Promise<KubeObject>;
  startController(): Promise<Controller>;
  /** API requests of the running controller so far (all its clients, impersonated ones too). */
  controllerRequests(): RequestStats | undefined;
  stopController(): Promise<void>;
}

export const condition = (app: Application, type: string): Condition | undefined =>
  app.status?.conditions?.find((c) => c.type === type);

/** Everything one controller test needs; all of it is removed when the test ends. */
export async function controllerHarness(
  t: TestContext,
  options: HarnessOptions = {},
): Promise<ControllerHarness> {
  await applyCrds();
  const appNamespace = await testNamespace(t);
  const destNamespace = await testNamespace(t);
  const root = await mkdtemp(join(tmpdir(), 'mooring-controller-test-'));
  const cacheDir = join(root, 'cache');
  const repo = await WorkingRepo.create(join(root, 'git'), 'app');
  await repo.writeFile(`${APP_PATH}/.keep`, '');
  await repo.commit('app folder');
  await repo.push('main');
  const auth = { username: GIT_USER, password: GIT_PASSWORD };
  const git = await startGitHttpServer({
    projectRoot: join(root, 'git'),
    ...(options.basicAuth === true ? { basicAuth: auth } : {}),
    ...(options.allowPush === true ? { allowPush: true } : {}),
  });
  const kubeconfig = testCluster().kubeconfigPath;
  const observer = connect({ kubeconfig });
  const logger = new RecordingLogger();
  const appRef = (name: string) => ({
    group: 'mooring.dev',
    kind: 'Application',
    namespace: appNamespace,
    name,
  });
  let controllerObjects: ObjectsApi | undefined;

  if (options.permissiveProject !== false) {
    for (const obj of adminProjectObjects({
      namespace: appNamespace,
      projectName: 'default',
      serviceAccountName: TEST_DEPLOYER,
    }))
      await observer.apply(obj, { fieldManager: 'mooring-tests' });
    t.after(async () => {
      await observer
        .delete('rbac.authorization.k8s.io/v1', {
          group: 'rbac.authorization.k8s.io',
          kind: 'ClusterRoleBinding',
          namespace: '',
          name: adminBindingName(appNamespace, TEST_DEPLOYER),
        })
        .catch(() => undefined);
    });
  }

  if (options.basicAuth === true) {
    await observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'git-credentials',
        namespace: appNamespace,
        labels: { 'mooring.dev/credential-type': 'repository' },
      },
      stringData: { ...auth, url: git.baseUrl, insecureAllowHTTP: 'true' },
    });
  }

  const h: ControllerHarness = {
    appNamespace,
    destNamespace,
    repo,
    repoURL: `${git.baseUrl}/app.git`,
    git,
    controller: undefined,
    logger,
    observer,
    cacheDir,
    uniqueName: (prefix) => `${prefix}-${randomBytes(3).toString('hex')}`,
    async publish(files, folder = APP_PATH) {
      for (const [path, content] of Object.entries(files)) {
        const full = `${folder}/${path}`;
        if (content === null) await repo.remove(full);
        else await repo.writeFile(full, typeof content === 'string' ? content : yamlStream(content));
      }
      const sha = await repo.commit(`change ${Object.keys(files).join(', ')}`);
      await repo.push('main');
      return sha;
    },
    async createApp(name, spec = {}, folder = APP_PATH) {
      const full: ApplicationSpec = {
        source: {
          repoURL: h.repoURL,
          ref: { branch: 'main' },
          path: folder,
          ...(options.basicAuth === true ? { secretRef: { name: 'git-credentials' } } : {}),
        },
        destination: { namespace: destNamespace },
        interval: '2s',
        ...spec,
      };
      return (await observer.create({
        apiVersion: MOORING_API_VERSION,
        kind: 'Application',
        metadata: { name, namespace: appNamespace },
        spec: full,
      })) as Application;
    },
    async getApp(name) {
      const app = await observer.get(MOORING_API_VERSION, appRef(name));
      if (app === undefined) throw new Error(`Application ${appNamespace}/${name} not found`);
      return app as Application;
    },
    async patchApp(name, patch) {
      await observer.mergePatch(MOORING_API_VERSION, appRef(name), patch);
    },
    async waitForApp(name, what, check, timeoutMs = 15_000) {
      let last: Application | undefined;
      try {
        return await pollUntil(
          async () => {
            last = (await observer.get(MOORING_API_VERSION, appRef(name))) as Application | undefined;
            return last !== undefined && check(last) ? last : undefined;
          },
          { timeoutMs, intervalMs: 100, what: `${name}: ${what}` },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nlast status: ${JSON.stringify(last?.status ?? null)}\ncontroller log:\n${logger.lines.join('\n')}`,
        );
      }
    },
    waitFor(what, check, timeoutMs = 15_000) {
      return pollUntil(() => check(), { timeoutMs, intervalMs: 100, what });
    },
    get(apiVersion, kind, name, namespace = destNamespace) {
      const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
      return observer.get(apiVersion, { group, kind, namespace, name });
    },
    syncRecords(appName) {
      return observer.list(MOORING_API_VERSION, 'SyncRecord', {
        namespace: appNamespace,
        labelSelector: `${RECORD_APP_LABEL}=${appName}`,
      });
    },
    async events(appName) {
      const all = await observer.list('v1', 'Event', { namespace: appNamespace });
      return all.filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === appName);
    },
    async waitForEvent(appName, reason, match = () => true, timeoutMs = 15_000) {
      let seen: KubeObject[] = [];
      try {
        return await pollUntil(
          async () => {
            seen = await h.events(appName);
            return seen.find(
              (e) => e.reason === reason && match(typeof e.message === 'string' ? e.message : ''),
            );
          },
          { timeoutMs, intervalMs: 100, what: `${appName}: a ${reason} Event` },
        );
      } catch (error) {
        const events = seen.map((e) => `${String(e.reason)}: ${String(e.message)}`).join('\n');
        throw new Error(`${(error as Error).message}\nevents so far:\n${events}`);
      }
    },
    async startController() {
      controllerObjects = connect({ kubeconfig });
      const controller = new Controller({
        objects: controllerObjects,
        tools:
          options.renderHelper === undefined
            ? renderTools()
            : { ...renderTools(), renderHelper: options.renderHelper },
        namespace: appNamespace,
        ...(options.applicationNamespaces === undefined
          ? {}
          : { applicationNamespaces: [appNamespace, ...options.applicationNamespaces] }),
        cacheDir,
        concurrency: 2,
        timeoutMs: 30_000,
        logger,
        allowFileRepos: options.allowFileRepos !== false,
        ...(options.sourceLimits === undefined ? {} : { sourceLimits: options.sourceLimits }),
        ...(options.clusterProbeIntervalMs === undefined
          ? {}
          : { clusterProbeIntervalMs: options.clusterProbeIntervalMs }),
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
        ...(options.notifications === undefined ? {} : { notifications: options.notifications }),
        ...(options.egress === 'product-default' ? {} : { egress: options.egress ?? loopbackEgress() }),
        ...(options.webhook === true
          ? {
              webhook: {
                port: 0,
                host: '127.0.0.1',
                secrets: { generic: WEBHOOK_SECRET, github: WEBHOOK_SECRET },
              },
            }
          : {}),
      });
      await controller.start();
      h.controller = controller;
      return controller;
    },
    controllerRequests() {
      return controllerObjects?.client.stats;
    },
    async stopController() {
      const controller = h.controller;
      h.controller = undefined;
      await controller?.stop();
      controllerObjects?.client.close();
      controllerObjects = undefined;
    },
  };

  // Registered after testNamespace's own cleanup, which only starts the namespace deletion: the
  // Applications' finalizers are lifted here so that deletion can finish once no controller runs.
  t.after(async () => {
    await h.stopController();
    await git.close();
    const left = await observer
      .list(MOORING_API_VERSION, 'Application', { namespace: appNamespace })
      .catch(() => []);
    for (const app of left) {
      if (!((app.metadata.finalizers ?? []) as string[]).includes(FINALIZER)) continue;
      await observer
        .mergePatch(MOORING_API_VERSION, appRef(app.metadata.name), { metadata: { finalizers: null } })
        .catch(() => undefined);
    }
    observer.client.close();
    await rm(root, { recursive: true, force: true });
  });
  if (options.startController !== false) await h.startController();
  return h;
}

/** A Deployment KWOK runs (Ready within a second or two; pod label mooring.dev/fault: not-ready keeps it not Ready). */
/** A Deployment of `replicas` KWOK pods. */
export function deployment(
  name: string,
  replicas: number,
  podLabels: Record<string, string> = {},
): KubeObject {
  return manifestDeployment(name, { replicas, podLabels });
}

/** The data of a ConfigMap in the cluster, or undefined when it does not exist. */
export async function configMapData(
  h: ControllerHarness,
  name: string,
): Promise<Record<string, string> | undefined> {
  const cm = await h.get('v1', 'ConfigMap', name);
  return cm === undefined ? undefined : ((cm.data ?? {}) as Record<string, string>);
}

/** True when the app is Ready at `revision`. */
export function readyAt(revision: string): (app: Application) => boolean {
  return (app) =>
    app.status?.sync?.revision === revision &&
    app.status.sync.status === 'Synced' &&
    condition(app, 'Ready')?.status === 'True';
}
