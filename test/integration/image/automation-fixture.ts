/**
 * The whole image automation path on the test cluster: a real registry (Debian's docker-registry) whose push
 * notifications reach the registry webhook, the image scan controller, the image automation loop, a Git
 * repository served over smart HTTP (push allowed), and the pull-mode controller syncing an Application of
 * that repository. Everything is scoped to this test's namespaces and stopped when the test ends.
 */
import type { TestContext } from 'node:test';

import Fastify from 'fastify';

import type { Application } from '../../../src/controller/app-types.js';
import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { pollUntil } from '../../../src/core/wait.js';
import type { ImageUpdateAutomationSpec } from '../../../src/crd/imageupdateautomation.js';
import { ImageScanController } from '../../../src/image/scan-controller.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { appsOf, ImageAutomationLoop } from '../../../src/image/update/loop.js';
import type { AutomationOutcome } from '../../../src/image/update/automation.js';
import { registryWebhookPlugin, REGISTRY_WEBHOOK_PATH } from '../../../src/image/webhook.js';
import { installImageCrds } from '../../helpers/image-crds.js';
import { startRegistry } from '../../helpers/registry.js';
import type { TestRegistry } from '../../helpers/registry.js';
import type { ControllerOptions } from '../../../src/controller/controller.js';
import type { ControllerHarness } from '../controller/harness.js';
import { controllerHarness, kubectl, RecordingLogger } from '../controller/harness.js';
import { loopbackEgress } from '../../helpers/egress.js';

const WEBHOOK_TOKEN = 'registry-webhook-test-secret';
/** The image repository every automation test pushes to. */
export const IMAGE_REPOSITORY = 'team/web';

export interface AutomationFixture {
  h: ControllerHarness;
  registry: TestRegistry;
  /** `<registry host>/team/web` */
  image: string;
  scan: ImageScanController;
  loop: ImageAutomationLoop;
  /** Every run's outcome, in order. */
  runs: AutomationOutcome[];
  logger: RecordingLogger;
  /** The scan controller's and the loop's metrics, as the controller command wires them. */
  metrics: Metrics;
  /** The Deployment manifest with the image marked for ImagePolicy `web` (Flux's setter form). */
  deploymentYaml(tag: string): string;
  createAutomation(name: string, spec?: Partial<ImageUpdateAutomationSpec>): Promise<void>;
  automation(name: string): Promise<KubeObject | undefined>;
  /** The image of the live Deployment `web` in the destination namespace. */
  liveImage(): Promise<string | undefined>;
  app(name: string): Promise<Application>;
}

let automationCrd: Promise<void> | undefined;

/**
 * Applies the ImageUpdateAutomation CRD once per process and waits until it is Established (polled: `kubectl
 * wait` fails outright on a CRD whose status has no conditions yet).
 */
export function installAutomationCrd(): Promise<void> {
  automationCrd ??= (async () => {
    await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=mooring-tests',
      '-f',
      `${packageRoot()}/deploy/crds/imageupdateautomations.yaml`,
    ]);
    await pollUntil(
      async () => {
        const crd = JSON.parse(
          await kubectl(['get', 'crd/imageupdateautomations.mooring.dev', '-o', 'json']),
        ) as { status?: { conditions?: { type: string; status: string }[] | null } };
        const established = (crd.status?.conditions ?? []).some(
          (c) => c.type === 'Established' && c.status === 'True',
        );
        return established ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the ImageUpdateAutomation CRD Established' },
    );
  })();
  return automationCrd;
}

/**
 * Starts everything; the app folder `apps/web` holds the Deployment at `initialTag`. With `notifications`,
 * the controller sends what NotificationPolicies ask for and the loop's run reports go to its notifier.
 */
export async function startAutomationFixture(
  t: TestContext,
  initialTag: string,
  notifications?: ControllerOptions['notifications'],
): Promise<AutomationFixture> {
  await Promise.all([installImageCrds(), installAutomationCrd()]);
  const h = await controllerHarness(t, {
    basicAuth: true,
    allowPush: true,
    ...(notifications === undefined ? {} : { notifications }),
  });
  const ns = h.appNamespace;
  const logger = new RecordingLogger();
  const objects = h.observer;

  const metrics = new Metrics({ processMetrics: false });
  const scan = new ImageScanController({
    objects,
    egress: loopbackEgress(),
    logger,
    namespaces: [ns],
    sink: { event: () => undefined, ...metrics.image.scanSink() },
  });
  const webhook = Fastify();
  await webhook.register(
    registryWebhookPlugin({
      secret: WEBHOOK_TOKEN,
      onPush: (pushes) => pushes.flatMap((push) => scan.scanImage(push.host, push.repository)),
      logger,
    }),
  );
  await webhook.listen({ port: 0, host: '127.0.0.1' });
  const address = webhook.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const registry = await startRegistry(t, {
    notify: {
      url: `http://127.0.0.1:${String(port)}${REGISTRY_WEBHOOK_PATH}`,
      headers: { Authorization: `Bearer ${WEBHOOK_TOKEN}` },
    },
  });
  const image = `${registry.host}/${IMAGE_REPOSITORY}`;

  const runs: AutomationOutcome[] = [];
  if (h.controller === undefined) throw new Error('the harness did not start the controller');
  // The controller running now (a test may restart it), as `mooring controller` wires its own.
  const loop = new ImageAutomationLoop({
    objects,
    logger,
    namespaces: [ns],
    applications: () => h.controller?.applications() ?? [],
    allowFileRepos: false,
    egress: loopbackEgress(),
    onRun: (automation, outcome) => {
      runs.push(outcome);
      metrics.image.updated(automation, outcome);
    },
    onPushed: (repoURL, branch) => {
      const controller = h.controller;
      if (controller === undefined) return;
      for (const key of appsOf(controller.applications(), repoURL, branch))
        controller.trigger(key, 'webhook');
    },
    onReport: (report) => {
      h.controller?.notifier?.imageSink()(report);
    },
  });
  t.after(async () => {
    await loop.stop();
    scan.stop();
    await webhook.close();
  });
  await objects.discovery.load();
  if (!(await scan.start())) throw new Error('the image CRDs are not served');
  if (!(await loop.start())) throw new Error('the image automation CRDs are not served');

  const deploymentYaml = (tag: string): string => `# The web front end; its image follows ImagePolicy web.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}:${tag} # {"$imagepolicy": "${ns}:web"}
          ports:
            - containerPort: 8080 # not an image
`;
  await h.publish({ 'deployment.yaml': deploymentYaml(initialTag) }, 'apps/web');

  const create = (object: KubeObject): Promise<KubeObject> => objects.create(object);
  await create({
    apiVersion: MOORING_API_VERSION,
    kind: 'ImageRepository',
    metadata: { name: 'web', namespace: ns },
    spec: { image, insecure: true, interval: '1h' },
  });
  await create({
    apiVersion: MOORING_API_VERSION,
    kind: 'ImagePolicy',
    metadata: { name: 'web', namespace: ns },
    spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
  });

  return {
    h,
    registry,
    image,
    scan,
    loop,
    runs,
    logger,
    metrics,
    deploymentYaml,
    async createAutomation(name, spec = {}) {
      await create({
        apiVersion: MOORING_API_VERSION,
        kind: 'ImageUpdateAutomation',
        metadata: { name, namespace: ns },
        spec: {
          sourceRef: { url: h.repoURL, branch: 'main', secretRef: { name: 'git-credentials' } },
          update: { paths: ['apps'] },
          git: { author: { name: 'Image Bot', email: 'image-bot@example.test' } },
          interval: '5s',
          ...spec,
        },
      });
    },
    automation: (name) =>
      objects.get(MOORING_API_VERSION, {
        group: 'mooring.dev',
        kind: 'ImageUpdateAutomation',
        namespace: ns,
        name,
      }),
    async liveImage() {
      const live = await h.get('apps/v1', 'Deployment', 'web', h.destNamespace);
      const spec = live?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
      return spec?.template?.spec?.containers?.[0]?.image;
    },
    app: (name) => h.getApp(name),
  };
}
