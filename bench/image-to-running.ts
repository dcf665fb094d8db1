/**
 * Benchmark: from a registry push to the Deployment carrying the new image, on a real local control plane
 * with a real registry (Debian's docker-registry) and real Git (smart HTTP, push allowed):
 *
 *   push (distribution API) → registry notification → registry webhook → scan → ImagePolicy status →
 *   image automation (fetch, edit, commit, push) → app refresh → controller sync → Deployment image.
 *
 * Polling intervals are an hour everywhere, so only the webhook path counts. Prints the split of each trial
 * (push → policy, policy → commit, commit → Deployment) and the total.
 *
 *   npm run build && node dist/bench/image-to-running.js            # starts its own cluster
 *   MOORING_BENCH_KUBECONFIG=... MOORING_BENCH_TRIALS=10 node dist/bench/image-to-running.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Fastify from 'fastify';

import { renderTools } from '../src/cli/commands/engine-options.js';
import { Controller } from '../src/controller/controller.js';
import { silentLogger } from '../src/core/logger.js';
import type { KubeObject } from '../src/core/objects.js';
import { packageRoot } from '../src/core/package-root.js';
import { pollUntil, sleep } from '../src/core/wait.js';
import { startGitHttpServer } from '../src/devgit/http-server.js';
import { WorkingRepo } from '../src/devgit/repo.js';
import { git } from '../src/devgit/git-cli.js';
import { ImageScanController } from '../src/image/scan-controller.js';
import { appsOf, ImageAutomationLoop } from '../src/image/update/loop.js';
import { REGISTRY_WEBHOOK_PATH, registryWebhookPlugin } from '../src/image/webhook.js';
import { installCrds } from '../src/install/crds.js';
import { adminProjectObjects } from '../src/install/projects.js';
import { connect } from '../src/kube/connect.js';
import { launchRegistry } from '../test/helpers/registry.js';
import { benchCluster } from './cluster.js';
import { loopbackEgress } from '../test/helpers/egress.js';

const API = 'mooring.dev/v1alpha1';
const WEBHOOK_TOKEN = 'bench-registry-webhook';
const GIT_USER = 'bench';
const GIT_PASSWORD = 'bench-git-password';

function deploymentYaml(image: string, tag: string, ns: string): string {
  return `apiVersion: apps/v1
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
`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const trials = Number(process.env.MOORING_BENCH_TRIALS ?? 5);
  const cluster = await benchCluster('bench-img');
  const objects = connect({ kubeconfig: cluster.kubeconfig });
  const work = await mkdtemp(join(tmpdir(), 'mooring-bench-img-'));
  const ns = `bench-img-${String(process.pid)}`;
  const dest = `bench-img-dest-${String(process.pid)}`;
  const gitServer = await startGitHttpServer({
    projectRoot: work,
    basicAuth: { username: GIT_USER, password: GIT_PASSWORD },
    allowPush: true,
  });
  const webhook = Fastify();
  let scan: ImageScanController | undefined;
  let loop: ImageAutomationLoop | undefined;
  let controller: Controller | undefined;
  let registry: Awaited<ReturnType<typeof launchRegistry>> | undefined;
  try {
    await installCrds(objects, join(packageRoot(), 'deploy', 'crds'));
    await objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const obj of adminProjectObjects({ namespace: ns, projectName: 'default' }))
      await objects.apply(obj);
    await objects.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'git-credentials',
        namespace: ns,
        labels: { 'mooring.dev/credential-type': 'repository' },
      },
      stringData: {
        username: GIT_USER,
        password: GIT_PASSWORD,
        url: gitServer.baseUrl,
        insecureAllowHTTP: 'true',
      },
    });

    const scanner = new ImageScanController({
      objects,
      logger: silentLogger,
      namespaces: [ns],
      egress: loopbackEgress(),
    });
    scan = scanner;
    await webhook.register(
      registryWebhookPlugin({
        secret: WEBHOOK_TOKEN,
        onPush: (pushes) => pushes.flatMap((push) => scanner.scanImage(push.host, push.repository)),
      }),
    );
    await webhook.listen({ port: 0, host: '127.0.0.1' });
    const address = webhook.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    registry = await launchRegistry({
      notify: {
        url: `http://127.0.0.1:${String(port)}${REGISTRY_WEBHOOK_PATH}`,
        headers: { Authorization: `Bearer ${WEBHOOK_TOKEN}` },
      },
    });
    const image = `${registry.host}/team/web`;
    await registry.pushImage('team/web', '1.0.0');

    const repo = await WorkingRepo.create(work, 'config');
    await repo.writeFile('apps/web/deployment.yaml', deploymentYaml(image, '1.0.0', ns));
    await repo.commit('web at 1.0.0');
    await repo.push('main');
    const repoURL = `${gitServer.baseUrl}/config.git`;

    const running = new Controller({
      objects,
      tools: renderTools(),
      namespace: ns,
      cacheDir: join(work, 'cache'),
      concurrency: 2,
      timeoutMs: 60_000,
      logger: silentLogger,
    });
    controller = running;
    await running.start();
    await scanner.start();
    loop = new ImageAutomationLoop({
      objects,
      logger: silentLogger,
      namespaces: [ns],
      applications: () => running.applications(),
      onPushed: (url, branch) => {
        for (const key of appsOf(running.applications(), url, branch)) running.trigger(key, 'webhook');
      },
    });
    await loop.start();

    await objects.create({
      apiVersion: API,
      kind: 'Application',
      metadata: { name: 'web', namespace: ns },
      spec: {
        source: {
          repoURL,
          ref: { branch: 'main' },
          path: 'apps/web',
          secretRef: { name: 'git-credentials' },
        },
        destination: { namespace: dest },
        syncPolicy: { createNamespace: true },
        interval: '1h',
      },
    });
    await objects.create({
      apiVersion: API,
      kind: 'ImageRepository',
      metadata: { name: 'web', namespace: ns },
      spec: { image, insecure: true, interval: '1h' },
    });
    await objects.create({
      apiVersion: API,
      kind: 'ImagePolicy',
      metadata: { name: 'web', namespace: ns },
      spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
    });
    await objects.create({
      apiVersion: API,
      kind: 'ImageUpdateAutomation',
      metadata: { name: 'web', namespace: ns },
      spec: {
        sourceRef: { url: repoURL, branch: 'main', secretRef: { name: 'git-credentials' } },
        update: { paths: ['apps'] },
        interval: '1h',
      },
    });

    const liveImage = async (): Promise<string | undefined> => {
      const live = await objects.get('apps/v1', {
        group: 'apps',
        kind: 'Deployment',
        namespace: dest,
        name: 'web',
      });
      return (live?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template
        .spec.containers[0]?.image;
    };
    const policyImage = async (): Promise<string | undefined> => {
      const policy = (await objects.get(API, {
        group: 'mooring.dev',
        kind: 'ImagePolicy',
        namespace: ns,
        name: 'web',
      })) as (KubeObject & { status?: { latestImage?: string } }) | undefined;
      return policy?.status?.latestImage;
    };
    await pollUntil(async () => ((await liveImage()) === `${image}:1.0.0` ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the first sync at 1.0.0',
    });
    await pollUntil(async () => ((await policyImage()) === `${image}:1.0.0` ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the policy at 1.0.0',
    });
    await sleep(1000);
    console.error(`set up; ${String(trials)} trials`);

    const rows: { policyMs: number; commitMs: number; deployMs: number; totalMs: number }[] = [];
    for (let i = 1; i <= trials; i++) {
      const tag = `1.0.${String(i)}`;
      const headBefore = await git(join(work, 'config.git'), ['rev-parse', 'main']);
      const t0 = performance.now();
      await registry.pushImage('team/web', tag);
      const poll = { timeoutMs: 60_000, intervalMs: 20 };
      await pollUntil(async () => ((await policyImage()) === `${image}:${tag}` ? true : undefined), {
        ...poll,
        what: `policy at ${tag}`,
      });
      const t1 = performance.now();
      await pollUntil(
        async () =>
          (await git(join(work, 'config.git'), ['rev-parse', 'main'])) !== headBefore ? true : undefined,
        { ...poll, what: `commit for ${tag}` },
      );
      const t2 = performance.now();
      await pollUntil(async () => ((await liveImage()) === `${image}:${tag}` ? true : undefined), {
        ...poll,
        what: `Deployment at ${tag}`,
      });
      const t3 = performance.now();
      rows.push({ policyMs: t1 - t0, commitMs: t2 - t1, deployMs: t3 - t2, totalMs: t3 - t0 });
      await sleep(500);
    }
    const round = (x: number): number => Math.round(x);
    console.log(
      JSON.stringify(
        {
          trials: rows.map((r) => ({
            pushToPolicyMs: round(r.policyMs),
            policyToCommitMs: round(r.commitMs),
            commitToDeploymentMs: round(r.deployMs),
            totalMs: round(r.totalMs),
          })),
          medianTotalMs: round(median(rows.map((r) => r.totalMs))),
          maxTotalMs: round(Math.max(...rows.map((r) => r.totalMs))),
        },
        null,
        2,
      ),
    );
  } finally {
    await loop?.stop();
    scan?.stop();
    await controller?.stop();
    await webhook.close();
    await registry?.stop();
    await gitServer.close();
    for (const name of [dest, ns])
      await objects
        .delete('v1', { group: '', kind: 'Namespace', namespace: '', name })
        .catch(() => undefined);
    objects.client.close();
    await rm(work, { recursive: true, force: true });
    await cluster.stop();
  }
}

await main();
