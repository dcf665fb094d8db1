/**
 * Benchmark: a fleet of N Applications, each 4 objects (ServiceAccount, ConfigMap, Service, Deployment scaled to
 * 0 — the shape of Flux's public benchmark) from one repository, each into its own namespace, reconciled by the
 * in-process controller against a real local control plane. Three phases:
 *  - first sync: create the N Applications, until all are Synced and Healthy;
 *  - one change: a commit changes the ConfigMap, a webhook refreshes all apps, until all are Synced at it;
 *  - no-op poll: a webhook with nothing new; every app fetches (proved by the Git server's request count).
 * For each phase: wall time, requests per app from the API server's own `apiserver_request_total` (the bench's
 * observer requests subtracted), API-server CPU (`process_cpu_seconds_total`), controller CPU; peak RSS of the
 * process (controller + bench + in-process Git server front end; git processes are children, not counted).
 *
 *   npm run bench:fleet                                         # N=100, starts its own cluster
 *   MOORING_BENCH_APPS=1000 MOORING_BENCH_CONCURRENCY=8 MOORING_BENCH_KUBECONFIG=... npm run bench:fleet
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { renderTools } from '../src/cli/commands/engine-options.js';
import { Controller } from '../src/controller/controller.js';
import { signBody, WEBHOOK_PATH } from '../src/controller/webhook/index.js';
import { MOORING_API_VERSION } from '../src/app/model.js';
import { silentLogger } from '../src/core/logger.js';
import type { KubeObject } from '../src/core/objects.js';
import { packageRoot } from '../src/core/package-root.js';
import { pollUntil, sleep } from '../src/core/wait.js';
import { findToolchain } from '../src/devcluster/toolchain.js';
import { startGitHttpServer } from '../src/devgit/http-server.js';
import { WorkingRepo } from '../src/devgit/repo.js';
import { installCrds } from '../src/install/crds.js';
import { adminProjectObjects } from '../src/install/projects.js';
import { connect } from '../src/kube/connect.js';
import type { ObjectsApi } from '../src/kube/objects-api.js';
import { readRequestTotals, requestDelta, totalRequests } from './apiserver-requests.js';
import type { RequestCounter } from './apiserver-requests.js';
import { benchCluster } from './cluster.js';

const run = promisify(execFile);
const SECRET = 'bench-fleet-webhook-secret';

/** The four objects of every app; `marker` is the ConfigMap's one value (the "one change"). */
function appManifests(marker: string): string {
  const docs = [
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: podinfo\n',
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-config\ndata:\n  marker: "${marker}"\n`,
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\nspec:\n  selector:\n    app: podinfo\n' +
      '  ports:\n    - name: http\n      port: 9898\n      targetPort: 9898\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  replicas: 0\n' +
      '  selector:\n    matchLabels:\n      app: podinfo\n  template:\n    metadata:\n      labels:\n' +
      '        app: podinfo\n    spec:\n      serviceAccountName: podinfo\n      containers:\n' +
      '        - name: podinfo\n          image: ghcr.io/stefanprodan/podinfo:6.7.1\n' +
      '          ports:\n            - containerPort: 9898\n',
  ];
  return docs.join('---\n');
}

interface PhaseFigures {
  seconds: number;
  requestsPerApp: number;
  byRequest: Record<string, number>;
  /** The controller's own requests per app, as its client counted them (all its identities), by verb. */
  controllerRequestsPerApp: number;
  controllerByVerb: Record<string, number>;
  apiServerCpuSeconds: number;
  controllerCpuSeconds: number;
}

/** CPU seconds the API server process has used (its own /metrics). */
async function apiServerCpu(kubectl: string, kubeconfig: string): Promise<number> {
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/metrics'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('process_cpu_seconds_total '));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

function processCpuSeconds(): number {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6;
}

/** Runs one phase and measures it; the bench's own observer requests are subtracted from the server's count. */
async function phase(
  env: { kubectl: string; kubeconfig: string; observer: ObjectsApi; controller: ObjectsApi; apps: number },
  work: () => Promise<void>,
): Promise<PhaseFigures> {
  const before: RequestCounter[] = await readRequestTotals(env.kubectl, env.kubeconfig);
  const cpuBefore = await apiServerCpu(env.kubectl, env.kubeconfig);
  const observerBefore = env.observer.client.stats.total;
  const controllerBefore = env.controller.client.stats.snapshot();
  const ownCpuBefore = processCpuSeconds();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  const ownCpu = processCpuSeconds() - ownCpuBefore;
  const observerRequests = env.observer.client.stats.total - observerBefore;
  const controllerByVerb: Record<string, number> = {};
  let controllerTotal = 0;
  for (const [verb, count] of Object.entries(env.controller.client.stats.snapshot())) {
    const made = count - (controllerBefore[verb] ?? 0);
    if (made === 0) continue;
    controllerTotal += made;
    controllerByVerb[verb] = Math.round((made / env.apps) * 100) / 100;
  }
  const cpuAfter = await apiServerCpu(env.kubectl, env.kubeconfig);
  // Non-resource requests (discovery) count too; so do the bench's own few GET /metrics (about 3 a phase).
  const delta = requestDelta(before, await readRequestTotals(env.kubectl, env.kubeconfig));
  const byRequest: Record<string, number> = {};
  for (const c of delta) {
    const name = `${c.verb}${c.dryRun ? '(dry-run)' : ''} ${c.resource === '' ? '(non-resource)' : c.resource}${c.subresource === '' ? '' : `/${c.subresource}`}`;
    byRequest[name] = Math.round((c.count / env.apps) * 100) / 100;
  }
  return {
    seconds: Math.round(seconds * 10) / 10,
    requestsPerApp: Math.round(((totalRequests(delta) - observerRequests) / env.apps) * 100) / 100,
    byRequest,
    controllerRequestsPerApp: Math.round((controllerTotal / env.apps) * 100) / 100,
    controllerByVerb,
    apiServerCpuSeconds: Math.round((cpuAfter - cpuBefore) * 10) / 10,
    controllerCpuSeconds: Math.round(ownCpu * 10) / 10,
  };
}

function isDone(app: KubeObject, revision: string | undefined): boolean {
  const status = app.status as
    { sync?: { status?: string; revision?: string }; health?: { status?: string } } | undefined;
  return (
    status?.sync?.status === 'Synced' &&
    status.health?.status === 'Healthy' &&
    (revision === undefined || status.sync.revision === revision)
  );
}

async function main(): Promise<void> {
  const apps = Number(process.env.MOORING_BENCH_APPS ?? 100);
  const concurrency = Number(process.env.MOORING_BENCH_CONCURRENCY ?? 4);
  const found = findToolchain();
  if (!('toolchain' in found)) throw new Error(`toolchain incomplete: ${found.missing.join(', ')}`);
  const kubectl = found.toolchain.kubectl;
  const cluster = await benchCluster('bench-fleet');
  const kubeconfig = cluster.kubeconfig;
  const work = await mkdtemp(join(tmpdir(), 'mooring-bench-fleet-'));
  const observer = connect({ kubeconfig });
  const controllerObjects = connect({ kubeconfig });
  const appNs = `fleet-apps-${process.pid}`;
  const destOf = (i: number): string => `fleet-${process.pid}-${String(i).padStart(4, '0')}`;
  const git = await startGitHttpServer({ projectRoot: work });
  let controller: Controller | undefined;
  try {
    await installCrds(observer, join(packageRoot(), 'deploy', 'crds'));
    await observer.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNs } });
    for (const obj of adminProjectObjects({ namespace: appNs, projectName: 'default' }))
      await observer.apply(obj);
    const repo = await WorkingRepo.create(work, 'fleet');
    await repo.writeFile('podinfo/objects.yaml', appManifests('v0'));
    const first = await repo.commit('podinfo');
    await repo.push('main');
    const repoURL = `${git.baseUrl}/fleet.git`;
    controller = new Controller({
      objects: controllerObjects,
      tools: renderTools(),
      namespace: appNs,
      cacheDir: join(work, 'cache'),
      concurrency,
      timeoutMs: 120_000,
      logger: silentLogger,
      allowFileRepos: true,
      webhook: { port: 0, host: '127.0.0.1', secrets: { generic: SECRET } },
    });
    await controller.start();
    const env = { kubectl, kubeconfig, observer, controller: controllerObjects, apps };
    const untilAllDone = async (revision: string, what: string): Promise<void> => {
      await pollUntil(
        async () => {
          const list = await observer.list(MOORING_API_VERSION, 'Application', { namespace: appNs });
          const done = list.filter((a) => isDone(a, revision)).length;
          return done === apps ? true : undefined;
        },
        { timeoutMs: 30 * 60_000, intervalMs: 1000, what },
      );
    };
    const webhook = async (): Promise<void> => {
      const body = JSON.stringify({ repoURL, branch: 'main' });
      const res = await fetch(`${controller?.webhookAddress ?? ''}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Mooring-Signature': signBody(SECRET, body) },
        body,
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    };

    const firstSync = await phase(env, async () => {
      for (let i = 0; i < apps; i++) {
        await observer.create({
          apiVersion: MOORING_API_VERSION,
          kind: 'Application',
          metadata: { name: `podinfo-${String(i).padStart(4, '0')}`, namespace: appNs },
          spec: {
            source: { repoURL, ref: { branch: 'main' }, path: 'podinfo' },
            destination: { namespace: destOf(i) },
            syncPolicy: { createNamespace: true, prune: true },
            interval: '1h',
          },
        });
      }
      await untilAllDone(first, 'all apps Synced and Healthy');
    });
    console.error(`first sync: ${JSON.stringify(firstSync)}`);
    // Health and watches settle after the last app turns Ready.
    await sleep(3000);

    await repo.writeFile('podinfo/objects.yaml', appManifests('v1'));
    const second = await repo.commit('change the ConfigMap');
    await repo.push('main');
    const oneChange = await phase(env, async () => {
      await webhook();
      await untilAllDone(second, 'all apps Synced at the change');
    });
    console.error(`one change: ${JSON.stringify(oneChange)}`);
    await sleep(3000);

    const noopPoll = await phase(env, async () => {
      // Liveness: every app has taken the webhook's trigger (shared fetches make Git request counts no
      // proof: apps on one repository share them), then the Git server goes quiet.
      await webhook();
      const keys = Array.from({ length: apps }, (_, i) => `${appNs}/podinfo-${String(i).padStart(4, '0')}`);
      await pollUntil(
        () =>
          Promise.resolve(
            keys.every((key) => (controller?.stateOf(key)?.triggers.size ?? 1) === 0) ? true : undefined,
          ),
        { timeoutMs: 30 * 60_000, intervalMs: 200, what: 'every app to take the webhook' },
      );
      let last = -1;
      await pollUntil(
        () => {
          const now = git.requestCount();
          const quiet = now === last;
          last = now;
          return Promise.resolve(quiet ? true : undefined);
        },
        { timeoutMs: 30 * 60_000, intervalMs: 2000, what: 'fetches to stop' },
      );
    });
    console.error(`no-op poll: ${JSON.stringify(noopPoll)}`);

    console.log(
      JSON.stringify(
        {
          apps,
          objectsPerApp: 4,
          concurrency,
          firstSync,
          oneChange,
          noopPoll,
          processPeakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        },
        null,
        2,
      ),
    );
  } finally {
    await controller?.stop();
    await git.close();
    if (!cluster.owned) {
      for (let i = 0; i < apps; i++)
        await observer
          .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: destOf(i) })
          .catch(() => undefined);
      await observer
        .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: appNs })
        .catch(() => undefined);
    }
    observer.client.close();
    controllerObjects.client.close();
    await rm(work, { recursive: true, force: true });
    await cluster.stop();
  }
}

await main();
