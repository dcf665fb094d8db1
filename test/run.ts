/**
 * Test entry point: `node dist/test/run.js unit|integration|all [file filter...]`.
 *
 * Integration tests need a real control plane. Unless MOORING_TEST_KUBECONFIG names an existing one,
 * this starts a cluster for the run (building the toolchain if needed) and stops it afterwards, even
 * on failure or Ctrl-C. Tests find it through MOORING_TEST_KUBECONFIG.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { clusterDown, clusterUp, stopClusterProcesses } from '../src/devcluster/cluster.js';
import type { ClusterState } from '../src/devcluster/cluster.js';

type Suite = 'unit' | 'integration' | 'all';

const here = dirname(fileURLToPath(import.meta.url));

function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...testFiles(full));
    else if (entry.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function selectFiles(suite: Suite, filters: string[]): string[] {
  const dirs = suite === 'all' ? ['unit', 'integration'] : [suite];
  const files = dirs.flatMap((d) => testFiles(join(here, d)));
  return filters.length === 0 ? files : files.filter((f) => filters.some((filter) => f.includes(filter)));
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv, concurrency: number): Promise<number> {
  const args = [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=300000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(here, 'summary-reporter.js')}`,
    '--test-reporter-destination=stdout',
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<number> {
  const [suiteArg = 'all', ...filters] = process.argv.slice(2);
  if (suiteArg !== 'unit' && suiteArg !== 'integration' && suiteArg !== 'all') {
    console.error(`usage: run.js unit|integration|all [file filter...] (got "${suiteArg}")`);
    return 2;
  }
  const files = selectFiles(suiteArg, filters);
  if (files.length === 0) {
    console.error(`no test files for ${suiteArg} ${filters.join(' ')}`);
    return 1;
  }
  const needsCluster = files.some((f) => relative(here, f).startsWith('integration'));
  const env = { ...process.env };
  let ownCluster: string | undefined;
  let ownState: ClusterState | undefined;
  if (needsCluster && env.MOORING_TEST_KUBECONFIG === undefined) {
    ownCluster = `test-${process.pid}`;
    const name = ownCluster;
    const stop = (): void => {
      void clusterDown(name).finally(() => process.exit(130));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const started = Date.now();
    const state = await clusterUp({
      name,
      progress: (line) => {
        console.error(`[cluster] ${line}`);
      },
    });
    console.error(`[cluster] "${name}" ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    env.MOORING_TEST_KUBECONFIG = state.kubeconfig;
    ownState = state;
  }
  let code = 1;
  try {
    code = await runNodeTest(files, env, needsCluster ? 2 : 1);
  } finally {
    if (ownCluster !== undefined && !(await stopOwnCluster(ownCluster, ownState))) code = 1;
  }
  return code;
}

/** Stops the run's cluster; false (after stopping its processes by pid) if clusterDown failed. */
async function stopOwnCluster(name: string, state: ClusterState | undefined): Promise<boolean> {
  try {
    const { stopped } = await clusterDown(name);
    console.error(`[cluster] "${name}" stopped (${stopped.length} processes)`);
    return true;
  } catch (error) {
    // Never leave processes behind: stop what clusterUp reported, even if state.json is unreadable.
    console.error(`[cluster] "${name}": ${String(error)}; stopping its processes by pid`);
    if (state !== undefined) await stopClusterProcesses(state);
    return false;
  }
}

process.exitCode = await main();
