/**
 * The demo's image automation step — "push an image, watch it deploy": a loopback `docker-registry` that
 * notifies the controller's registry webhook, an ImageRepository + ImagePolicy + ImageUpdateAutomation for
 * the example app `image-web` (its Deployment's image carries a setter marker), and one image pushed; then
 * the commit the automation pushes and the Deployment's new image, each with the time since the push.
 * Skipped with a sentence (never a failure) when Debian's docker-registry is not installed.
 */
import { join } from 'node:path';

import { MOORING_API_VERSION } from '../app/model.js';
import type { KubeObject } from '../core/objects.js';
import { shortCommit } from '../core/short-commit.js';
import { pollUntil } from '../core/wait.js';
import { findRegistryBinary, startLocalRegistry } from '../devcluster/local-registry.js';
import type { LocalRegistry } from '../devcluster/local-registry.js';
import { git } from '../devgit/git-cli.js';
import { REGISTRY_WEBHOOK_PATH } from '../image/webhook.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { DEMO_GIT_SECRET, DEMO_NAMESPACE, demoApplication } from './apps.js';
import type { DemoApp } from './apps.js';
import type { DemoLayout } from './layout.js';
import type { DemoController, Print } from './steps.js';
import { INDENT } from './steps.js';
import { stepPrerequisites } from './step-prerequisites.js';
import { waitForApps } from './wait-apps.js';

/** The example app image automation edits (examples/image-web). */
export const IMAGE_DEMO_APP: DemoApp = { name: 'image-web', path: 'image-web', namespace: 'image-web' };
/** The name of the ImageRepository, ImagePolicy and ImageUpdateAutomation (the marker names policy `web`). */
export const IMAGE_DEMO_OBJECT = 'web';
/** The repository pushed to in the local registry. */
export const IMAGE_DEMO_REPOSITORY = 'demo/web';
const MANIFEST = `${IMAGE_DEMO_APP.path}/deployment.yaml`;

/** Printed (and written in the README) when the registry is not installed. */
export const REGISTRY_MISSING =
  "skipped: Debian's docker-registry is not installed (`sudo apt-get install docker-registry`, then run the demo again)";

export interface ImageStepResult {
  registry: LocalRegistry;
  image: string;
  commit: string;
  /** Milliseconds from the push to the commit in Git, and to the Deployment carrying the image. */
  toCommitMs: number;
  toDeploymentMs: number;
}

/** The ImageRepository, ImagePolicy and ImageUpdateAutomation of the demo, for a registry at `host`. */
export function imageAutomationObjects(host: string, repoURL: string): KubeObject[] {
  const metadata = { name: IMAGE_DEMO_OBJECT, namespace: DEMO_NAMESPACE };
  return [
    {
      apiVersion: MOORING_API_VERSION,
      kind: 'ImageRepository',
      metadata,
      // Webhooks scan at once; the interval is only a safety net.
      spec: { image: `${host}/${IMAGE_DEMO_REPOSITORY}`, interval: '1h', insecure: true },
    },
    {
      apiVersion: MOORING_API_VERSION,
      kind: 'ImagePolicy',
      metadata,
      spec: { imageRepositoryRef: { name: IMAGE_DEMO_OBJECT }, policy: { semver: { range: '>=1.0.0' } } },
    },
    {
      apiVersion: MOORING_API_VERSION,
      kind: 'ImageUpdateAutomation',
      metadata,
      spec: {
        sourceRef: { url: repoURL, branch: 'main', secretRef: { name: DEMO_GIT_SECRET } },
        update: { paths: [IMAGE_DEMO_APP.path] },
        git: { author: { name: 'Mooring Image Bot', email: 'image-bot@mooring.invalid' } },
        interval: '1h',
      },
    },
  ];
}

const since = (start: number, at: number): string => `${((at - start) / 1000).toFixed(1)} s`;

/**
 * Runs the step; undefined when it was skipped (the reason printed). The registry keeps running for the
 * session (push more with the printed command); the caller stops it.
 */
export async function runImageStep(options: {
  objects: ObjectsApi;
  layout: DemoLayout;
  repoURL: string;
  controller: DemoController;
  print: Print;
  timeoutMs?: number;
}): Promise<ImageStepResult | undefined> {
  const { objects, layout, repoURL, controller, print } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const binary = await stepPrerequisites(
    layout,
    {
      binary: findRegistryBinary(),
      missing: REGISTRY_MISSING,
      appPath: IMAGE_DEMO_APP.path,
      manifest: MANIFEST,
    },
    print,
  );
  if (binary === undefined) return undefined;
  const registry = await startLocalRegistry({
    binary,
    dir: join(layout.dir, 'registry'),
    notify: {
      url: `${controller.webhookURL}${REGISTRY_WEBHOOK_PATH}`,
      headers: { Authorization: `Bearer ${controller.registrySecret}` },
    },
  });
  try {
    print(
      `${INDENT}registry ${registry.url} (docker-registry, loopback, notifies the controller on each push)`,
    );
    for (const object of imageAutomationObjects(registry.host, repoURL)) await objects.apply(object);
    await objects.apply(demoApplication(IMAGE_DEMO_APP, repoURL));
    print(
      `${INDENT}ImageRepository, ImagePolicy (semver >=1.0.0) and ImageUpdateAutomation ${DEMO_NAMESPACE}/${IMAGE_DEMO_OBJECT}; Application ${IMAGE_DEMO_APP.name}`,
    );
    await waitForApps(objects, [IMAGE_DEMO_APP.name], { timeoutMs: 120_000, onChange: () => undefined });
    // A tag of its own each run, so a repository kept from the last run still gets a commit.
    const tag = `1.0.${Math.floor(Date.now() / 1000)}`;
    const image = `${registry.host}/${IMAGE_DEMO_REPOSITORY}:${tag}`;
    const pushedAt = Date.now();
    const pushed = await registry.push(IMAGE_DEMO_REPOSITORY, tag);
    print(`${INDENT}pushed ${image} (${pushed.digest.slice(0, 19)}…)`);
    const commit = await pollUntil(
      async () => {
        const content = await git(layout.bareDir, ['show', `main:${MANIFEST}`]).catch(() => '');
        return content.includes(image) ? git(layout.bareDir, ['rev-parse', 'main']) : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `a commit of ${image} in the demo repository` },
    );
    const committedAt = Date.now();
    const subject = await git(layout.bareDir, ['log', '-1', '--format=%an: %s', commit]);
    print(
      `${INDENT}commit ${shortCommit(commit)} by ${subject} (${since(pushedAt, committedAt)} after the push)`,
    );
    await pollUntil(async () => ((await deploymentImage(objects)) === image ? true : undefined), {
      timeoutMs,
      intervalMs: 100,
      what: `Deployment ${IMAGE_DEMO_APP.namespace}/web at ${image}`,
    });
    const deployedAt = Date.now();
    print(
      `${INDENT}Deployment ${IMAGE_DEMO_APP.namespace}/web runs ${image} (${since(pushedAt, deployedAt)} after the push)`,
    );
    print(
      `${INDENT}the registry runs with the demo: push a newer ${registry.host}/${IMAGE_DEMO_REPOSITORY} tag (any OCI client) and watch it deploy`,
    );
    return {
      registry,
      image,
      commit,
      toCommitMs: committedAt - pushedAt,
      toDeploymentMs: deployedAt - pushedAt,
    };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

async function deploymentImage(objects: ObjectsApi): Promise<string | undefined> {
  const deployment = await objects.get('apps/v1', {
    group: 'apps',
    kind: 'Deployment',
    namespace: IMAGE_DEMO_APP.namespace,
    name: 'web',
  });
  const spec = deployment?.spec as
    { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image;
}
