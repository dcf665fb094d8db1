/**
 * Benchmark: from a push to a real registry (docker-registry, notifications on) until the ImagePolicy's
 * status.latestImage names the pushed tag (webhook → scan → policy → status write), on a real local
 * control plane. The registry side of the issue-12 aim "push to running ≤ 5 s with webhooks".
 *
 *   npm run build && node dist/bench/image-webhook.js            # starts its own cluster
 *   MOORING_BENCH_KUBECONFIG=... MOORING_BENCH_TRIALS=30 node dist/bench/image-webhook.js
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { buildWebhookServer } from '../src/controller/webhook/index.js';
import { silentLogger } from '../src/core/logger.js';
import { packageRoot } from '../src/core/package-root.js';
import { pollUntil } from '../src/core/wait.js';
import { ImageScanController } from '../src/image/scan-controller.js';
import { REGISTRY_WEBHOOK_PATH, registryWebhookPlugin } from '../src/image/webhook.js';
import { installCrds } from '../src/install/crds.js';
import { connect } from '../src/kube/connect.js';
import { launchRegistry } from '../test/helpers/registry.js';
import { benchCluster } from './cluster.js';
import { percentile } from './stats.js';
import { loopbackEgress } from '../test/helpers/egress.js';

const SECRET = 'bench-registry-secret';
const consoleLogger = {
  debug: (o: object, m?: string) => {
    console.error(new Date().toISOString(), 'debug', m, JSON.stringify(o));
  },
  info: (o: object, m?: string) => {
    console.error(new Date().toISOString(), 'info', m, JSON.stringify(o));
  },
  warn: (o: object, m?: string) => {
    console.error(new Date().toISOString(), 'warn', m, JSON.stringify(o));
  },
  error: (o: object, m?: string) => {
    console.error(new Date().toISOString(), 'error', m, JSON.stringify(o));
  },
};
const API = 'mooring.dev/v1alpha1';

async function main(): Promise<void> {
  const trials = Number(process.env.MOORING_BENCH_TRIALS ?? '20');
  const cluster = await benchCluster('bench-image');
  const objects = connect({ kubeconfig: cluster.kubeconfig });
  const namespace = `bench-image-${process.pid}`;
  const logger = process.env.MOORING_BENCH_DEBUG === undefined ? silentLogger : consoleLogger;
  const scan = new ImageScanController({
    objects,
    logger,
    namespaces: [namespace],
    egress: loopbackEgress(),
  });
  const server = buildWebhookServer({ secrets: {}, onPush: () => Promise.resolve([]) });
  let registry: Awaited<ReturnType<typeof launchRegistry>> | undefined;
  try {
    await installCrds(objects, join(packageRoot(), 'deploy', 'crds'));
    await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await server.register(
      registryWebhookPlugin({ secret: SECRET, logger, onPush: (pushes) => scan.scanPushes(pushes) }),
    );
    await server.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.server.address() as AddressInfo).port;
    registry = await launchRegistry({
      notify: {
        url: `http://127.0.0.1:${port}${REGISTRY_WEBHOOK_PATH}`,
        headers: { Authorization: `Bearer ${SECRET}` },
      },
    });
    await registry.pushImage('bench/app', '1.0.0');
    const image = `${registry.host}/bench/app`;
    await objects.create({
      apiVersion: API,
      kind: 'ImageRepository',
      metadata: { name: 'app', namespace },
      spec: { image, insecure: true, interval: '1h' },
    });
    await objects.create({
      apiVersion: API,
      kind: 'ImagePolicy',
      metadata: { name: 'app', namespace },
      spec: {
        imageRepositoryRef: { name: 'app' },
        policy: { semver: { range: '>=1.0.0' } },
        digestPinning: true,
      },
    });
    if (!(await scan.start())) throw new Error('image CRDs not served');
    const latest = async (): Promise<string | undefined> => {
      const policy = await objects.get(API, {
        group: 'mooring.dev',
        kind: 'ImagePolicy',
        namespace,
        name: 'app',
      });
      return (policy?.status as { latestImage?: string } | undefined)?.latestImage;
    };
    await pollUntil(async () => ((await latest())?.includes(':1.0.0@') === true ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: 'the first image',
    });
    const samples: number[] = [];
    for (let i = 1; i <= trials; i++) {
      const tag = `1.0.${i}`;
      const started = performance.now();
      await registry.pushImage('bench/app', tag);
      if (process.env.MOORING_BENCH_DEBUG !== undefined)
        console.error(new Date().toISOString(), 'pushed', tag);
      await pollUntil(
        async () => ((await latest())?.includes(`:${tag}@sha256:`) === true ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 10,
          what: `ImagePolicy to name ${tag}`,
        },
      );
      samples.push(performance.now() - started);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(
      JSON.stringify(
        {
          benchmark:
            'registry push (blobs + manifest) -> ImagePolicy status.latestImage (webhook, digest pinned)',
          trials,
          p50Ms: Math.round(percentile(sorted, 50)),
          p99Ms: Math.round(percentile(sorted, 99)),
          minMs: Math.round(sorted[0] ?? NaN),
          maxMs: Math.round(sorted[sorted.length - 1] ?? NaN),
        },
        null,
        2,
      ),
    );
  } finally {
    scan.stop();
    await server.close();
    await registry?.stop();
    await objects
      .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: namespace })
      .catch(() => undefined);
    objects.client.close();
    await cluster.stop();
  }
}

await main();
