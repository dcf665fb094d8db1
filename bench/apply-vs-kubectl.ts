/**
 * Benchmark: `mooring apply` of 1,000 objects against `kubectl apply --server-side` of the same rendered
 * manifests, on a real local control plane, in one run (ratios, not absolute times: machines are shared).
 * Then a second `mooring apply` with nothing changed: its time, API requests and writes.
 *
 *   npm run bench                      # starts its own cluster
 *   MOORING_BENCH_KUBECONFIG=... npm run bench
 *   MOORING_BENCH_OBJECTS=200 MOORING_BENCH_CONCURRENCY=32 npm run bench
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { packageRoot } from '../src/core/package-root.js';
import { benchCluster } from './cluster.js';
import { findToolchain } from '../src/devcluster/toolchain.js';
import { syntheticApp } from './synthetic-app.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

interface Timed {
  ms: number;
  stdout: string;
}

async function timed(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const start = process.hrtime.bigint();
  const { stdout } = await run(file, args, { env, maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, stdout };
}

interface MooringReport {
  stats: { requests: Record<string, number>; writes: number; durationMs: number };
  outcomes: { action: string }[];
  error?: { message: string };
}

async function main(): Promise<void> {
  const count = Number(process.env.MOORING_BENCH_OBJECTS ?? 1000);
  const concurrency = process.env.MOORING_BENCH_CONCURRENCY ?? '16';
  const found = findToolchain();
  if ('missing' in found)
    throw new Error(`toolchain incomplete: ${found.missing.join(', ')} (npm run toolchain)`);
  const kubectl = found.toolchain.kubectl;
  const cluster = await benchCluster('bench');
  const kubeconfig = cluster.kubeconfig;
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const work = await mkdtemp(join(tmpdir(), 'mooring-bench-'));
  try {
    const appDir = join(work, 'app');
    await syntheticApp(appDir, count);
    const rendered = join(work, 'rendered.yaml');
    await writeFile(
      rendered,
      (await run(process.execPath, [cli, 'render', appDir], { env, maxBuffer: 256 * 1024 * 1024 })).stdout,
    );
    console.error(
      `${count} objects rendered; each tool applies them into a fresh namespace, in alternating order`,
    );

    const kubectlApply = (ns: string): Promise<Timed> =>
      timed(kubectl, ['apply', '--server-side', '-n', ns, '-f', rendered], env);
    const mooringApply = (ns: string): Promise<Timed> =>
      timed(
        process.execPath,
        [cli, 'apply', appDir, '--app', `bench-${ns}`, '-n', ns, '-o', 'json', '--concurrency', concurrency],
        env,
      );
    const createNs = (ns: string): Promise<unknown> => run(kubectl, ['create', 'namespace', ns], { env });

    const rounds = [
      ['kubectl', 'mooring'],
      ['mooring', 'kubectl'],
    ] as const;
    const times: Record<'kubectl' | 'mooring', number[]> = { kubectl: [], mooring: [] };
    let lastMooringNs = '';
    const namespaces: string[] = [];
    for (const [i, order] of rounds.entries()) {
      for (const tool of order) {
        const ns = `bench-${tool}-${i}-${process.pid}`;
        namespaces.push(ns);
        await createNs(ns);
        const t = tool === 'kubectl' ? await kubectlApply(ns) : await mooringApply(ns);
        if (tool === 'mooring') {
          const report = JSON.parse(t.stdout) as MooringReport;
          if (report.error !== undefined) throw new Error(`mooring apply failed: ${report.error.message}`);
          lastMooringNs = ns;
        }
        times[tool].push(t.ms);
        console.error(`round ${i + 1}: ${tool.padEnd(7)} ${(t.ms / 1000).toFixed(2)} s`);
      }
    }
    const again = await mooringApply(lastMooringNs);
    const report = JSON.parse(again.stdout) as MooringReport;
    const kubectlAgain = await kubectlApply(`bench-kubectl-0-${process.pid}`);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const result = {
      objects: count,
      kubectlSeconds: times.kubectl.map((ms) => +(ms / 1000).toFixed(2)),
      mooringSeconds: times.mooring.map((ms) => +(ms / 1000).toFixed(2)),
      ratioMooringToKubectl: +(sum(times.mooring) / sum(times.kubectl)).toFixed(3),
      noChangeReapply: {
        mooringSeconds: +(again.ms / 1000).toFixed(2),
        kubectlSeconds: +(kubectlAgain.ms / 1000).toFixed(2),
        ratioMooringToKubectl: +(again.ms / kubectlAgain.ms).toFixed(3),
        mooringRequests: report.stats.requests,
        mooringWrites: report.stats.writes,
        unchanged: report.outcomes.filter((o) => o.action === 'unchanged').length,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (!cluster.owned) await run(kubectl, ['delete', 'namespace', '--wait=false', ...namespaces], { env });
  } finally {
    await rm(work, { recursive: true, force: true });
    await cluster.stop();
  }
}

await main();
