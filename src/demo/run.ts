import { dirname, join } from 'node:path';

import { errorMessage } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { packageRoot } from '../core/package-root.js';
import { mooringHome } from '../devcluster/layout.js';
import { connect } from '../kube/connect.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { AppRow } from './app-rows.js';
import { formatAppTable, isReady } from './app-rows.js';
import { DEMO_APPS, DEMO_NAMESPACE } from './apps.js';
import { installCrds } from '../install/crds.js';
import { startDashboard } from './dashboard.js';
import { followActivity } from './follow.js';
import { prepareDemoRepo, serveDemoRepo, writeGitCredentials } from './git-repo.js';
import type { DemoLayout } from './layout.js';
import { demoLayout } from './layout.js';
import type { Print } from './steps.js';
import { applyApplications, forwardPushes, INDENT, startCluster, startController } from './steps.js';
import { waitForApps } from './wait-apps.js';
import type { ImageStepResult } from './image-step.js';
import { IMAGE_DEMO_APP, runImageStep } from './image-step.js';
import type { CanarySetup } from './canary-step.js';
import { CANARY_DEMO_APP, setUpCanaryApp } from './canary-step.js';

export interface DemoOptions {
  clusterName: string;
  /** Default $MOORING_HOME or ~/.mooring: clusters/ and demo/ live under it. */
  home?: string;
  /** Start the Git repository again from the examples, dropping commits pushed to it. */
  reset?: boolean;
  /** How long to wait for every app to be Synced and Healthy (default 3 minutes). */
  timeoutMs?: number;
  /** Receives each line of progress, meant for a person. */
  print: Print;
}

/** A demo whose apps are all Synced and Healthy: its controller and Git server run in this process. */
export interface DemoSession {
  clusterName: string;
  kubeconfig: string;
  layout: DemoLayout;
  repoURL: string;
  rows: AppRow[];
  /** Folder of the toolchain's kubectl. */
  toolchainBin: string;
  /** The web dashboard, and a URL that opens it logged in. */
  dashboard: { url: string; loginURL: string };
  /** What the image automation step did; undefined when it was skipped (no docker-registry). */
  image: ImageStepResult | undefined;
  /** Prometheus and simulated traffic for `mooring demo canary`; undefined when skipped (no prometheus). */
  canary: CanarySetup | undefined;
  /** Prints each sync (a new commit, drift taken back) and status change as it happens, until stop. */
  follow(): void;
  /** Stops the controller (after the syncs under way), the push watcher and the Git server. */
  stop(): Promise<void>;
}

const STEPS = 8;

/** Things to stop, last started first; a failure to stop one does not keep the others running. */
class Cleanups {
  private readonly stack: (() => Promise<void> | void)[] = [];
  constructor(private readonly print: Print) {}

  add(cleanup: () => Promise<void> | void): void {
    this.stack.push(cleanup);
  }

  async run(): Promise<void> {
    for (let cleanup = this.stack.pop(); cleanup !== undefined; cleanup = this.stack.pop()) {
      try {
        await cleanup();
      } catch (error) {
        this.print(`${INDENT}(while stopping: ${errorMessage(error)})`);
      }
    }
  }
}

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
  const cleanups = new Cleanups(print);
  try {
    step(1, `Local Kubernetes cluster "${options.clusterName}"`);
    const { kubeconfig, toolchain } = await startCluster(options.clusterName, home, print);
    const objects = connect({ kubeconfig });
    cleanups.add(() => {
      objects.client.close();
    });

    step(2, "Mooring's CRDs");
    const crdNames = await installCrds(objects, join(packageRoot(), 'deploy', 'crds'));
    print(`${INDENT}${crdNames.join(', ')} Established`);

    step(3, 'Git repository with the example apps');
    const outcome = await prepareDemoRepo(layout, join(packageRoot(), 'examples'), options.reset === true);
    print(
      outcome === 'created'
        ? `${INDENT}${layout.workingDir} created from examples/`
        : `${INDENT}${layout.workingDir} kept from the last run (--reset starts again from examples/)`,
    );
    const credentials = await writeGitCredentials(layout.credentialsFile);
    const { server, repoURL } = await serveDemoRepo(layout, credentials);
    cleanups.add(() => server.close());
    print(`${INDENT}served at ${repoURL} (basic auth; credentials in ${layout.credentialsFile})`);

    step(4, `Applications in namespace ${DEMO_NAMESPACE}`);
    await applyApplications(objects, repoURL, credentials);
    print(`${INDENT}${DEMO_APPS.map((app) => app.name).join(', ')}`);

    step(5, 'Controller (in this process)');
    const controller = await startController(objects, layout);
    cleanups.add(() => controller.stop());
    const watcher = await forwardPushes(layout, repoURL, controller, print);
    cleanups.add(() => {
      watcher.stop();
    });
    print(`${INDENT}log: ${layout.controllerLog}`);
    print(
      `${INDENT}webhook receiver: ${controller.webhookURL} (called on every push to the demo repository)`,
    );
    const dashboard = await startDashboard(objects, controller.controller, silentLogger);
    cleanups.add(() => dashboard.stop());
    print(`${INDENT}dashboard: ${dashboard.url} (API at ${dashboard.url}api/v1)`);
    print(`${INDENT}  open logged in (token valid 1 h): ${dashboard.loginURL}`);

    step(6, 'Waiting for every app to be Synced and Healthy');
    const names: string[] = DEMO_APPS.map((app) => app.name);
    const rows = await waitUntilReady(objects, names, options.timeoutMs ?? 180_000, print);

    step(7, 'Image automation: push an image, watch it deploy');
    const image = await runImageStep({ objects, layout, repoURL, controller, print });
    if (image !== undefined) {
      cleanups.add(() => image.registry.stop());
      names.push(IMAGE_DEMO_APP.name);
    }

    step(
      8,
      'Progressive delivery: a canary judged by Prometheus (`mooring demo canary` pushes a bad version)',
    );
    const canary = await setUpCanaryApp({ objects, layout, repoURL, print });
    if (canary !== undefined) {
      cleanups.add(() => canary.stop());
      names.push(CANARY_DEMO_APP.name);
    }
    let followTimer: NodeJS.Timeout | undefined;
    cleanups.add(() => {
      clearInterval(followTimer);
    });
    return {
      clusterName: options.clusterName,
      kubeconfig,
      layout,
      repoURL,
      rows,
      toolchainBin: dirname(toolchain.kubectl),
      dashboard: { url: dashboard.url, loginURL: dashboard.loginURL },
      image,
      canary,
      follow: () => {
        followTimer ??= followActivity(objects, names, rows, print);
      },
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

/** Waits for the apps, printing each change of one, then the summary table. */
async function waitUntilReady(
  objects: ObjectsApi,
  names: readonly string[],
  timeoutMs: number,
  print: Print,
): Promise<AppRow[]> {
  const started = Date.now();
  const rows = await waitForApps(objects, names, {
    timeoutMs,
    onChange: (row) => {
      if (row.sync === 'Unknown' && row.health === 'Unknown') return;
      const state = `${row.name.padEnd(14)} ${row.sync.padEnd(10)} ${row.health.padEnd(12)}`;
      const detail = isReady(row) ? row.revision : row.message;
      print(`${INDENT}${state} ${detail} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
  });
  print('');
  print(formatAppTable(rows).trimEnd());
  return rows;
}
