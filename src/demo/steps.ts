/** The steps of `mooring demo` that start something: each returns what it started, for the session. */
import { shortCommit } from '../core/short-commit.js';
import { adminProjectObjects } from '../install/projects.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { pino } from 'pino';

import { errorMessage, MooringError } from '../core/errors.js';
import { Controller } from '../controller/controller.js';
import { clusterUp } from '../devcluster/cluster.js';
import type { Toolchain } from '../devcluster/toolchain.js';
import { renderTools } from '../devcluster/render-helper.js';
import { findToolchain } from '../devcluster/toolchain.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { kubeEventSink } from '../image/events.js';
import { ImageScanController } from '../image/scan-controller.js';
import { appsOf, ImageAutomationLoop } from '../image/update/loop.js';
import { registryWebhookPlugin } from '../image/webhook.js';
import {
  DEMO_APPS,
  DEMO_NAMESPACE,
  DEMO_PROJECT,
  demoApplication,
  demoNamespace,
  gitCredentialsSecret,
} from './apps.js';
import type { DemoGitCredentials } from './git-repo.js';
import type { DemoLayout } from './layout.js';
import type { PushWatcher } from './push-watcher.js';
import { watchBranch } from './push-watcher.js';
import { sendPushWebhook } from './webhook-client.js';
import { egressFromFlags } from '../net/egress.js';

/** Receives one line meant for a person. */
export type Print = (line: string) => void;

/** Indent of the lines under a step. */
export const INDENT = '      ';

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Starts (or reuses) the local cluster; says when the toolchain must be built first. */
export async function startCluster(
  name: string,
  home: string,
  print: Print,
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
  print(`${INDENT}up at ${state.server} (${seconds(started)})`);
  const found = findToolchain();
  if ('missing' in found) {
    throw new MooringError('PREREQUISITE_MISSING', `the toolchain is missing ${found.missing.join(', ')}`, {
      hint: 'run `npm run toolchain` and try again',
    });
  }
  return { kubeconfig: state.kubeconfig, toolchain: found.toolchain };
}

/** The demo namespace, the Git Secret and one Application per example app (server-side apply). */
export async function applyApplications(
  objects: ObjectsApi,
  repoURL: string,
  credentials: DemoGitCredentials,
): Promise<void> {
  await objects.apply(demoNamespace());
  // The demo's apps create their namespaces' objects freely: a permissive Project of their own.
  for (const obj of adminProjectObjects({
    namespace: DEMO_NAMESPACE,
    projectName: DEMO_PROJECT,
    serviceAccountName: DEMO_PROJECT,
  }))
    await objects.apply(obj);
  await objects.apply(gitCredentialsSecret(credentials.username, credentials.password, repoURL));
  for (const app of DEMO_APPS) await objects.apply(demoApplication(app, repoURL));
}

/** A running in-process controller and how to reach its webhook receiver. */
export interface DemoController {
  controller: Controller;
  webhookURL: string;
  /** The generic webhook's secret: generated per run, kept in memory only. */
  secret: string;
  /** The registry webhook's Bearer secret (POST /api/webhook/registry): per run, in memory only. */
  registrySecret: string;
  /** Image automation beside the controller: registry scans and ImageUpdateAutomations of the namespace. */
  imageScan: ImageScanController;
  imageAutomation: ImageAutomationLoop;
  /** Stops image automation, then the controller (after the syncs under way). */
  stop(): Promise<void>;
}

/** Starts the controller for the demo namespace, logging to a file, with a webhook receiver on loopback. */
export async function startController(objects: ObjectsApi, layout: DemoLayout): Promise<DemoController> {
  await mkdir(layout.dir, { recursive: true });
  await writeFile(layout.controllerLog, '');
  const logger = pino({ level: 'info' }, pino.destination({ dest: layout.controllerLog, sync: true }));
  const secret = randomBytes(24).toString('hex');
  const registrySecret = randomBytes(24).toString('hex');
  // The demo's registry, Git server and receivers listen on loopback.
  const egress = egressFromFlags(['127.0.0.0/8', '::1/128']);
  const imageScan = new ImageScanController({
    objects,
    logger,
    namespaces: [DEMO_NAMESPACE],
    egress,
    sink: kubeEventSink(objects, logger),
  });
  const registryWebhook = registryWebhookPlugin({
    secret: registrySecret,
    logger,
    onPush: (pushes) => imageScan.scanPushes(pushes),
  });
  const controller = new Controller({
    objects,
    tools: renderTools(),
    namespace: DEMO_NAMESPACE,
    cacheDir: layout.cacheDir,
    concurrency: 4,
    timeoutMs: 120_000,
    logger,
    allowFileRepos: true,
    egress,
    webhook: { port: 0, host: '127.0.0.1', secrets: { generic: secret }, plugins: [registryWebhook] },
  });
  await controller.start();
  const webhookURL = controller.webhookAddress;
  if (webhookURL === undefined) {
    await controller.stop();
    throw new MooringError('PROCESS_FAILED', 'the controller started without its webhook receiver');
  }
  const imageAutomation = new ImageAutomationLoop({
    objects,
    logger,
    namespaces: [DEMO_NAMESPACE],
    applications: () => controller.applications(),
    allowFileRepos: true,
    egress,
    // An automation's push refreshes the apps of that branch at once, as in `mooring controller`.
    onPushed: (repoURL, branch) => {
      for (const key of appsOf(controller.applications(), repoURL, branch))
        controller.trigger(key, 'webhook');
    },
  });
  try {
    await imageScan.start();
    await imageAutomation.start();
  } catch (error) {
    imageScan.stop();
    await imageAutomation.stop();
    await controller.stop();
    throw error;
  }
  return {
    controller,
    webhookURL,
    secret,
    registrySecret,
    imageScan,
    imageAutomation,
    stop: async () => {
      imageScan.stop();
      await imageAutomation.stop();
      await controller.stop();
    },
  };
}

/**
 * Calls the controller's webhook each time `main` of the demo repository moves, as a Git host would
 * after a push, so a `git push` in the demo clone is applied at once rather than at the next poll.
 */
export function forwardPushes(
  layout: DemoLayout,
  repoURL: string,
  target: DemoController,
  print: Print,
): Promise<PushWatcher> {
  return watchBranch(
    layout.bareDir,
    'main',
    (revision) => {
      const short = shortCommit(revision);
      sendPushWebhook(target.webhookURL, target.secret, { repoURL, branch: 'main', revision }).then(
        (refreshed) => {
          print(`push ${short} to main: webhook sent, checking ${refreshed.join(', ') || 'no app'}`);
        },
        (error: unknown) => {
          print(`push ${short} to main: webhook failed (${errorMessage(error)}); the 5 s poll applies it`);
        },
      );
    },
    (message) => {
      print(`watching the Git repository failed: ${message}; the 5 s poll still applies pushes`);
    },
  );
}

/** Whether `kubectl` is found on PATH (otherwise the printed commands put the toolchain's first). */
export function kubectlOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'kubectl')));
}
