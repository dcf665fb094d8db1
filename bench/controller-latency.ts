/**
 * Benchmark: the pull-mode controller's reaction times on a real local control plane.
 *  - drift correction: someone edits a managed object -> Mooring restores it (p50, p99 over many trials);
 *  - webhook to applied: a one-object change in a 100-object app, from the webhook POST until the cluster has it.
 *
 *   npm run bench:controller                    # starts its own cluster
 *   MOORING_BENCH_KUBECONFIG=... MOORING_BENCH_TRIALS=50 npm run bench:controller
 */
import { adminProjectObjects } from '../src/install/projects.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Controller } from '../src/controller/controller.js';
import { signBody, WEBHOOK_PATH } from '../src/controller/webhook/index.js';
import { silentLogger } from '../src/core/logger.js';
import type { KubeObject } from '../src/core/objects.js';
import { pollUntil, sleep } from '../src/core/wait.js';
import { packageRoot } from '../src/core/package-root.js';
import { benchCluster } from './cluster.js';
import { percentile } from './stats.js';
import { startGitHttpServer } from '../src/devgit/http-server.js';
import { WorkingRepo } from '../src/devgit/repo.js';
import { renderTools } from '../src/cli/commands/engine-options.js';
import { connect } from '../src/kube/connect.js';
import { installCrds } from '../src/install/crds.js';
import type { ObjectsApi } from '../src/kube/objects-api.js';
import { startWatch } from '../src/kube/watch.js';

const SECRET = 'bench-webhook-secret';

function summary(samples: number[]): { n: number; p50: number; p99: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x);
  return {
    n: sorted.length,
    p50: r(percentile(sorted, 50)),
    p99: r(percentile(sorted, 99)),
    min: r(sorted[0] ?? NaN),
    max: r(sorted[sorted.length - 1] ?? NaN),
  };
}

function configMaps(count: number, marker: string): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${String(i).padStart(3, '0')}\ndata:\n  value: "${i === 0 ? marker : String(i)}"\n`,
    );
  }
  return docs.join('---\n');
}

/** Resolves with the time at which `predicate` first holds for the watched ConfigMap. */
function watchUntil(
  objects: ObjectsApi,
  namespace: string,
  name: string,
  predicate: (o: KubeObject) => boolean,
): { done: Promise<number>; stop: () => void } {
  let resolve: (t: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolve = r));
  const watcher = startWatch(objects.client, objects.discovery, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace,
    onEvent: (e) => {
      if (e.object.metadata.name === name && e.type !== 'DELETED' && predicate(e.object))
        resolve(performance.now());
    },
  });
  return {
    done,
    stop: () => {
      watcher.stop();
    },
  };
}

const valueOf = (o: KubeObject): string | undefined => (o.data as Record<string, string> | undefined)?.value;

async function main(): Promise<void> {
  const trials = Number(process.env.MOORING_BENCH_TRIALS ?? 40);
  const cluster = await benchCluster('bench-ctl');
  const kubeconfig = cluster.kubeconfig;
  const work = await mkdtemp(join(tmpdir(), 'mooring-bench-ctl-'));
  const objects = connect({ kubeconfig });
  const editor = connect({ kubeconfig });
  const appNs = `bench-apps-${process.pid}`;
  const destNs = `bench-dest-${process.pid}`;
  const git = await startGitHttpServer({ projectRoot: work });
  let controller: Controller | undefined;
  try {
    await installCrds(objects, join(packageRoot(), 'deploy', 'crds'));
    await objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNs } });
    for (const obj of adminProjectObjects({ namespace: appNs, projectName: 'default' }))
      await objects.apply(obj);
    const repo = await WorkingRepo.create(work, 'config');
    await repo.writeFile('app/objects.yaml', configMaps(100, 'v0'));
    await repo.commit('100 objects');
    await repo.push('main');
    controller = new Controller({
      objects,
      tools: renderTools(),
      namespace: appNs,
      cacheDir: join(work, 'cache'),
      concurrency: 2,
      timeoutMs: 60_000,
      logger: silentLogger,
      allowFileRepos: true,
      webhook: { port: 0, host: '127.0.0.1', secrets: { generic: SECRET } },
    });
    await controller.start();
    const repoURL = `${git.baseUrl}/config.git`;
    await objects.create({
      apiVersion: 'mooring.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: `bench-${process.pid}`, namespace: appNs },
      spec: {
        source: { repoURL, ref: { branch: 'main' }, path: 'app' },
        destination: { namespace: destNs },
        syncPolicy: { createNamespace: true, prune: true },
        interval: '1h',
      },
    });
    await pollUntil(
      async () =>
        (await objects.get('v1', { group: '', kind: 'ConfigMap', namespace: destNs, name: 'cm-099' })) ===
        undefined
          ? undefined
          : true,
      { timeoutMs: 60_000, what: 'the first sync' },
    );
    await sleep(1000);
    console.error(`app of 100 ConfigMaps synced; ${trials} drift trials`);

    const drift: number[] = [];
    for (let i = 0; i < trials; i++) {
      const name = `cm-${String(1 + (i % 99)).padStart(3, '0')}`;
      const original = String(1 + (i % 99));
      // One watch sees the edit and then the restore, so no event can fall between two watches.
      let edited = false;
      const restored = watchUntil(objects, destNs, name, (o) => {
        if (valueOf(o) === 'edited') edited = true;
        return edited && valueOf(o) === original;
      });
      await sleep(150); // let the watch's initial list pass
      const t0 = performance.now();
      await editor.mergePatch(
        'v1',
        { group: '', kind: 'ConfigMap', namespace: destNs, name },
        { data: { value: 'edited' } },
        { fieldManager: 'bench-editor' },
      );
      const t1 = await Promise.race([restored.done, sleep(10_000).then(() => NaN)]);
      restored.stop();
      drift.push(t1 - t0);
      await sleep(100);
    }

    const webhookTrials = Math.max(5, Math.round(trials / 4));
    const webhook: number[] = [];
    for (let i = 1; i <= webhookTrials; i++) {
      const marker = `v${i}`;
      await repo.writeFile('app/objects.yaml', configMaps(100, marker));
      await repo.commit(`marker ${marker}`);
      await repo.push('main');
      const seen = watchUntil(objects, destNs, 'cm-000', (o) => valueOf(o) === marker);
      await sleep(150);
      const body = JSON.stringify({ repoURL, branch: 'main', paths: ['app/objects.yaml'] });
      const t0 = performance.now();
      const res = await fetch(`${controller.webhookAddress ?? ''}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Mooring-Signature': signBody(SECRET, body) },
        body,
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
      const t1 = await Promise.race([seen.done, sleep(20_000).then(() => NaN)]);
      seen.stop();
      webhook.push(t1 - t0);
      await sleep(300);
    }
    console.log(
      JSON.stringify(
        {
          driftCorrectionMs: summary(drift.filter((x) => !Number.isNaN(x))),
          driftTimeouts: drift.filter((x) => Number.isNaN(x)).length,
          webhookToAppliedMs: summary(webhook.filter((x) => !Number.isNaN(x))),
          webhookTimeouts: webhook.filter((x) => Number.isNaN(x)).length,
          appObjects: 100,
        },
        null,
        2,
      ),
    );
  } finally {
    await controller?.stop();
    await git.close();
    await objects
      .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: destNs })
      .catch(() => undefined);
    await objects
      .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: appNs })
      .catch(() => undefined);
    objects.client.close();
    editor.client.close();
    await rm(work, { recursive: true, force: true });
    await cluster.stop();
  }
}

await main();
