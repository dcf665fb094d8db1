/**
 * Helpers of the install tests: a Git repository served over smart HTTP with basic auth, clients that
 * act as the controller's ServiceAccount (a TokenRequest token, no admin credentials), an in-process
 * Controller running with them, fresh clusters for tests that must start from nothing, and waits.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import type { Application } from '../../../src/controller/app-types.js';
import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import { Controller } from '../../../src/controller/controller.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { pollUntil } from '../../../src/core/wait.js';
import { clusterDown, clusterUp } from '../../../src/devcluster/cluster.js';
import { startGitHttpServer } from '../../../src/devgit/http-server.js';
import type { GitHttpServer } from '../../../src/devgit/http-server.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import {
  CONTROLLER_SERVICE_ACCOUNT,
  installMooring,
  MOORING_NAMESPACE,
} from '../../../src/install/install.js';
import type { InstallOptions } from '../../../src/install/install.js';
import { serviceAccountKubeconfig } from '../../../src/install/service-account.js';
import { KubeClient } from '../../../src/kube/client.js';
import { connect } from '../../../src/kube/connect.js';
import { Discovery } from '../../../src/kube/discovery.js';
import { ObjectsApi } from '../../../src/kube/objects-api.js';
import type { SyncResult } from '../../../src/engine/types.js';
import { requireRenderHelper } from '../../../src/devcluster/render-helper.js';
import { RecordingLogger, toolchain, yamlStream } from '../controller/harness.js';

const run = promisify(execFile);

export { RecordingLogger, toolchain, yamlStream };
export const GIT_USER = 'mooring';
export const GIT_PASSWORD = 'install-test-password';

const cleanups = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Runs `fn` when the test ends, in reverse order of registration (node:test runs its own after hooks in
 * order): what was started last stops first, so a controller stops before its cluster goes down.
 */
export function atEnd(t: TestContext, fn: () => unknown): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const registered: (() => unknown)[] = [];
    stack = registered;
    cleanups.set(t, registered);
    t.after(async () => {
      for (const cleanup of registered.reverse()) await cleanup();
    });
  }
  stack.push(fn);
}

/** A temporary folder removed when the test ends. */
export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `mooring-${prefix}-`));
  atEnd(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An admin client for `kubeconfig`, closed when the test ends. */
export function adminObjects(t: TestContext, kubeconfig: string): ObjectsApi {
  const objects = connect({ kubeconfig });
  atEnd(t, () => {
    objects.client.close();
  });
  return objects;
}

/** Installs Mooring and fails the test with the engine's own message if the install failed. */
export async function install(
  objects: ObjectsApi,
  options: Partial<InstallOptions> = {},
): Promise<SyncResult> {
  const result = await installMooring(
    { objects, tools: { renderHelper: requireRenderHelper() } },
    { mode: 'cluster', dryRun: false, ...options },
  );
  if (result.error !== undefined) throw new Error(`install failed: ${JSON.stringify(result.error)}`);
  return result;
}

/** A client that authenticates as mooring-system/mooring-controller (TokenRequest), nothing more. */
export async function controllerAccount(t: TestContext, admin: ObjectsApi): Promise<ObjectsApi> {
  const access = await serviceAccountKubeconfig(admin, MOORING_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, 3600);
  const client = new KubeClient(access);
  atEnd(t, () => {
    client.close();
  });
  return new ObjectsApi(client, new Discovery(client));
}

/** An in-process Controller as the Deployment runs it (no webhook, no leader election), stopped at the end. */
export async function startController(
  t: TestContext,
  objects: ObjectsApi,
  namespace: string,
  cacheDir: string,
  watchNamespaces?: string[],
  applicationNamespaces?: string[],
): Promise<{ controller: Controller; logger: RecordingLogger }> {
  const logger = new RecordingLogger();
  const controller = new Controller({
    objects,
    tools: { renderHelper: requireRenderHelper() },
    namespace,
    cacheDir,
    concurrency: 2,
    timeoutMs: 30_000,
    logger,
    allowFileRepos: true,
    ...(watchNamespaces === undefined ? {} : { watchNamespaces }),
    ...(applicationNamespaces === undefined ? {} : { applicationNamespaces }),
  });
  await controller.start();
  atEnd(t, () => controller.stop());
  return { controller, logger };
}

/** A repository `fleet` served with basic auth; `files` maps paths to YAML text or objects. */
export async function servedRepo(
  t: TestContext,
  root: string,
  files: Record<string, string | KubeObject[]>,
): Promise<{ repo: WorkingRepo; git: GitHttpServer; repoURL: string }> {
  const repo = await WorkingRepo.create(join(root, 'git'), 'fleet');
  for (const [path, content] of Object.entries(files))
    await repo.writeFile(path, typeof content === 'string' ? content : yamlStream(content));
  await repo.commit('fleet');
  await repo.push('main');
  const git = await startGitHttpServer({
    projectRoot: join(root, 'git'),
    basicAuth: { username: GIT_USER, password: GIT_PASSWORD },
  });
  atEnd(t, () => git.close());
  return { repo, git, repoURL: `${git.baseUrl}/fleet.git` };
}

/** A new cluster of its own (one fake node), stopped and removed when the test ends. */
export async function freshCluster(t: TestContext, prefix: string): Promise<string> {
  const home = await tempDir(t, `${prefix}-home`);
  const name = `${prefix}-${process.pid}`;
  // Registered after the folder's removal, so it runs before it: clusterDown reads the state kept there.
  atEnd(t, () => clusterDown(name, home));
  const state = await clusterUp({ name, home, nodes: 1 });
  return state.kubeconfig;
}

/** Runs the built CLI (`dist/src/cli/main.js`) with `args` and extra environment; resolves with its output. */
export async function mooringCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  try {
    return await run(process.execPath, [main, ...args], {
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `mooring ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
    );
  }
}

export const condition = (app: Application, type: string): string | undefined =>
  app.status?.conditions?.find((c) => c.type === type)?.status;

/** Polls an Application until `check` holds; the timeout names the last status and the controller log. */
export async function waitForApp(
  objects: ObjectsApi,
  ref: { namespace: string; name: string },
  what: string,
  check: (app: Application) => boolean,
  logger?: RecordingLogger,
  timeoutMs = 30_000,
): Promise<Application> {
  let last: Application | undefined;
  try {
    return await pollUntil(
      async () => {
        last = (await objects.get(MOORING_API_VERSION, {
          group: 'mooring.dev',
          kind: 'Application',
          ...ref,
        })) as Application | undefined;
        return last !== undefined && check(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `${ref.name}: ${what}` },
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nlast status: ${JSON.stringify(last?.status ?? null)}\ncontroller log:\n${logger?.lines.join('\n') ?? ''}`,
    );
  }
}

/** Synced, Healthy and Ready at the latest reconcile. */
export function syncedAndHealthy(app: Application): boolean {
  return (
    app.status?.sync?.status === 'Synced' &&
    app.status.health?.status === 'Healthy' &&
    condition(app, 'Ready') === 'True'
  );
}

/** The user name the API server sees for a client (SelfSubjectReview). */
export async function whoAmI(objects: ObjectsApi): Promise<string | undefined> {
  const review = await objects.client.request<{ status?: { userInfo?: { username?: string } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    verb: 'create',
  });
  return review.status?.userInfo?.username;
}

/** Lets Applications in `namespace` go without a controller (their prune-on-delete finalizer is lifted). */
export function releaseApplicationsAtEnd(t: TestContext, admin: ObjectsApi, namespace: string): void {
  atEnd(t, async () => {
    const apps = await admin.list(MOORING_API_VERSION, 'Application', { namespace }).catch(() => []);
    for (const app of apps) {
      const ref = { group: 'mooring.dev', kind: 'Application', namespace, name: app.metadata.name };
      await admin
        .mergePatch(MOORING_API_VERSION, ref, { metadata: { finalizers: null } })
        .catch(() => undefined);
    }
  });
}
