import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

import { pino } from 'pino';

import { errorMessage, MooringError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import { Controller } from '../controller/controller.js';
import { clusterUp } from '../devcluster/cluster.js';
import { mooringHome } from '../devcluster/layout.js';
import type { Toolchain } from '../devcluster/toolchain.js';
import { findToolchain } from '../devcluster/toolchain.js';
import { connect } from '../kube/connect.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { AppRow } from './app-rows.js';
import { formatAppTable, isReady } from './app-rows.js';
import { DEMO_APPS, DEMO_NAMESPACE, demoApplication, demoNamespace, gitCredentialsSecret } from './apps.js';
import { installCrds } from './crds.js';
import { prepareDemoRepo, serveDemoRepo, writeGitCredentials } from './git-repo.js';
import type { DemoLayout } from './layout.js';
import { demoLayout } from './layout.js';
import { watchBranch } from './push-watcher.js';
import { followActivity } from './follow.js';
import { waitForApps } from './wait-apps.js';
import { sendPushWebhook } from './webhook-client.js';

export interface DemoOptions {
  clusterName: string;
  /** Default $MOORING_HOME or ~/.mooring: clusters/ and demo/ live under it. */
  home?: string;
  /** Start the Git repository again from the examples, dropping commits pushed to it. */
  reset?: boolean;
  /** How long to wait for every app to be Synced and Healthy (default 3 minutes). */
  timeoutMs?: number;
  /** Receives each line of progress, meant for a person. */
  print: (line: string) => void;
}

/** A demo whose apps are all Synced and Healthy: its controller and Git server run in this process. */
export interface DemoSession {
  clusterName: string;
  kubeconfig: string;
  layout: DemoLayout;
  repoURL: string;
  webhookURL: string;
  rows: AppRow[];
  /** Folder of the toolchain's kubectl. */
  toolchainBin: string;
  /** Prints each sync (a new commit, drift taken back) and status change as it happens, until stop. */
  follow(): void;
  /** Stops the controller (after the syncs under way), the push watcher and the Git server. */
  stop(): Promise<void>;
}

const STEPS = 6;
const INDENT = '      ';

/**
 * Sets up the local demo end to end: a cluster, Mooring's CRDs, a Git server with the example apps,
 * their Applications and an in-process controller, and waits until every app is Synced and Healthy.
 * On failure, what this call started in-process is stopped again (the cluster stays).
 */
export async function startDemo(options: DemoOptions): Promise<DemoSession> {
  const { print } = options;
  const home = options.home ?? mooringHome();
  const layout = demoLayout(options.clusterName, home);
  const step = (n: number, text: string): void => {
    print(`[${n}/${STEPS}] ${text}`);
  };
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        print(`${INDENT}(while stopping: ${errorMessage(error)})`);
      }
    }
    cleanups.length = 0;
  };
  try {
    step(1, `Local Kubernetes cluster "${options.clusterName}"`);
    const { kubeconfig, toolchain } = await startCluster(options.clusterName, home, print);
    const objects = connect({ kubeconfig });
    cleanups.push(() => {
      objects.client.close();
    });

    step(2, "Mooring's CRDs");
    const crdNames = await installCrds(objects, join(packageRoot(), 'deploy', 'crds'));
    print(`${INDENT}${crdNames.join(', ')} Established`);

    step(3, 'Git repository with the example apps');
    const outcome = await prepareDemoRepo(layout, join(packageRoot(), 'examples'), options.reset === true);
    const credentials = await writeGitCredentials(layout.credentialsFile);
    const { server, repoURL } = await serveDemoRepo(layout, credentials);
    cleanups.push(() => server.close());
    print(
      outcome === 'created'
        ? `${INDENT}${layout.workingDir} created from examples/`
        : `${INDENT}${layout.workingDir} kept from the last run (--reset starts again from examples/)`,
    );
    print(`${INDENT}served at ${repoURL} (basic auth; credentials in ${layout.credentialsFile})`);

    step(4, `Applications in namespace ${DEMO_NAMESPACE}`);
    await applyApplications(objects, repoURL, credentials);
    print(`${INDENT}${DEMO_APPS.map((app) => app.name).join(', ')}`);

    step(5, 'Controller (in this process)');
    const controller = await startController(objects, layout, toolchain);
    cleanups.push(() => controller.controller.stop());
    const watcher = await watchBranch(
      layout.bareDir,
      'main',
      (revision) => {
        sendPushWebhook(controller.webhookURL, controller.secret, { repoURL, branch: 'main', revision }).then(
          (refreshed) => {
            print(
              `push ${revision.slice(0, 7)} to main: webhook sent, checking ${refreshed.join(', ') || 'no app'}`,
            );
          },
          (error: unknown) => {
            print(
              `push to main (${revision.slice(0, 7)}): webhook failed (${errorMessage(error)}); polling picks it up`,
            );
          },
        );
      },
      (message) => {
        print(`watching the Git repository failed: ${message}; polling every 5 s still applies pushes`);
      },
    );
    cleanups.push(() => {
      watcher.stop();
    });
    print(`${INDENT}log: ${layout.controllerLog}`);
    print(
      `${INDENT}webhook receiver: ${controller.webhookURL} (called on every push to the demo repository)`,
    );

    step(6, 'Waiting for every app to be Synced and Healthy');
    const started = Date.now();
    const names = DEMO_APPS.map((app) => app.name);
    const rows = await waitForApps(objects, names, {
      timeoutMs: options.timeoutMs ?? 180_000,
      onChange: (row) => {
        if (row.sync === 'Unknown' && row.health === 'Unknown') return;
        print(`${INDENT}${describeRow(row)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      },
    });
    print('');
    print(formatAppTable(rows).trimEnd());
    let followTimer: NodeJS.Timeout | undefined;
    cleanups.push(() => {
      clearInterval(followTimer);
    });
    return {
      clusterName: options.clusterName,
      kubeconfig,
      layout,
      repoURL,
      webhookURL: controller.webhookURL,
      rows,
      toolchainBin: dirname(toolchain.kubectl),
      follow: () => {
        followTimer ??= followActivity(objects, names, rows, print);
      },
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function startCluster(
  name: string,
  home: string,
  print: (line: string) => void,
): Promise<{ kubeconfig: string; toolchain: Toolchain }> {
  const started = Date.now();
  if ('missing' in findToolchain()) {
    print(
      `${INDENT}first run: building the toolchain from the Go module proxy (about 8 minutes on 2 cores, once)`,
    );
  }
  const state = await clusterUp({
    name,
    home,
    progress: (line) => {
      print(`${INDENT}${line}`);
    },
  });
  print(`${INDENT}up at ${state.server} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const found = findToolchain();
  if ('missing' in found) {
    throw new MooringError('PREREQUISITE_MISSING', `the toolchain is missing ${found.missing.join(', ')}`, {
      hint: 'run `npm run toolchain` and try again',
    });
  }
  return { kubeconfig: state.kubeconfig, toolchain: found.toolchain };
}

async function applyApplications(
  objects: ObjectsApi,
  repoURL: string,
  credentials: { username: string; password: string },
): Promise<void> {
  await objects.apply(demoNamespace());
  await objects.apply(gitCredentialsSecret(credentials.username, credentials.password));
  for (const app of DEMO_APPS) await objects.apply(demoApplication(app, repoURL));
}

async function startController(
  objects: ObjectsApi,
  layout: DemoLayout,
  toolchain: Toolchain,
): Promise<{ controller: Controller; webhookURL: string; secret: string }> {
  await mkdir(layout.dir, { recursive: true });
  await writeFile(layout.controllerLog, '');
  const logger = pino({ level: 'info' }, pino.destination({ dest: layout.controllerLog, sync: true }));
  const secret = randomBytes(24).toString('hex');
  const controller = new Controller({
    objects,
    tools: { helm: toolchain.helm, kustomize: toolchain.kustomize, jsonnet: toolchain.jsonnet },
    namespace: DEMO_NAMESPACE,
    cacheDir: layout.cacheDir,
    concurrency: 4,
    timeoutMs: 120_000,
    logger,
    webhook: { port: 0, host: '127.0.0.1', secrets: { generic: secret } },
  });
  await controller.start();
  const webhookURL = controller.webhookAddress;
  if (webhookURL === undefined) {
    await controller.stop();
    throw new MooringError('PROCESS_FAILED', 'the controller started without its webhook receiver');
  }
  return { controller, webhookURL, secret };
}

function describeRow(row: AppRow): string {
  const state = `${row.name.padEnd(14)} ${row.sync.padEnd(10)} ${row.health.padEnd(12)}`;
  if (isReady(row)) return `${state} ${row.revision}`;
  return `${state} ${row.message}`.trimEnd();
}

/** Whether `kubectl` is found on PATH (otherwise the printed commands put the toolchain's first). */
export function kubectlOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'kubectl')));
}
