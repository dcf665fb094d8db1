import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import type { ProgressReporter } from '../core/logger.js';
import { packageRoot } from '../core/package-root.js';
import { pollUntil } from '../core/wait.js';
import { componentArgs } from './component-args.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { ClusterLayout, ClusterPorts, ComponentName } from './layout.js';
import { clusterLayout, COMPONENTS, pkiPaths } from './layout.js';
import { countReadyNodes, createFakeNodes } from './nodes.js';
import { createClusterPki } from './pki.js';
import { allocateClusterPorts } from './ports.js';
import type { ProbeResult } from './probe.js';
import { probe } from './probe.js';
import type { ManagedProcess } from './processes.js';
import { isRunning, startProcess, stopProcess, tailLog } from './processes.js';
import type { Toolchain } from './toolchain.js';
import { ensureToolchain } from './toolchain.js';

/** What `up` records in state.json, and what `status` and `down` read back. */
export interface ClusterState {
  name: string;
  createdAt: string;
  kubeconfig: string;
  server: string;
  ports: ClusterPorts;
  processes: Partial<Record<ComponentName, ManagedProcess>>;
}

export interface UpOptions {
  name: string;
  nodes?: number;
  timeoutMs?: number;
  progress?: ProgressReporter;
  /** Where clusters live; default $MOORING_HOME or ~/.mooring. */
  home?: string;
}

export interface ComponentStatus {
  component: ComponentName;
  pid: number;
  running: boolean;
  /** The end of its log, for a component that is not running. */
  logTail?: string;
}

export interface ClusterStatus {
  name: string;
  state: 'running' | 'degraded' | 'stopped';
  kubeconfig: string;
  server?: string;
  components: ComponentStatus[];
  nodes?: { ready: number; total: number };
}

export const KWOK_STAGES_FILE = join(packageRoot(), 'toolchain', 'kwok-stages.yaml');

async function readState(layout: ClusterLayout): Promise<ClusterState | undefined> {
  if (!existsSync(layout.stateFile)) return undefined;
  return JSON.parse(await readFile(layout.stateFile, 'utf8')) as ClusterState;
}

const stateWrites = new Map<string, Promise<void>>();

/**
 * Writes state.json atomically (temp file + rename) and one write at a time: components start in parallel
 * and each records its pid, and two overlapping writeFile calls on one file can leave it garbled.
 */
function writeState(layout: ClusterLayout, state: ClusterState): Promise<void> {
  const text = JSON.stringify(state, null, 2) + '\n';
  const previous = stateWrites.get(layout.stateFile) ?? Promise.resolve();
  const next = previous.then(async () => {
    const temp = `${layout.stateFile}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, layout.stateFile);
  });
  stateWrites.set(
    layout.stateFile,
    next.catch(() => undefined),
  );
  return next;
}

/**
 * Starts a local control plane (etcd, kube-apiserver, controller manager, scheduler, kwok with fake nodes)
 * on free loopback ports, or returns the running one of that name. Waits until nodes are Ready.
 */
export async function clusterUp(options: UpOptions): Promise<ClusterState> {
  const progress = options.progress ?? (() => undefined);
  const layout = clusterLayout(options.name, options.home);
  const current = await clusterStatus(options.name, options.home);
  if (current.state === 'running') {
    const state = await readState(layout);
    if (state !== undefined) {
      progress(`cluster "${options.name}" is already running`);
      return state;
    }
  }
  if (current.state === 'degraded') {
    progress(`cluster "${options.name}" is half-running; stopping it and starting fresh`);
    await clusterDown(options.name, options.home);
  }
  const toolchain = await ensureToolchain(progress);
  await rm(layout.dir, { recursive: true, force: true });
  await mkdir(layout.logs, { recursive: true });
  const ports = await allocateClusterPorts();
  const state: ClusterState = {
    name: options.name,
    createdAt: new Date().toISOString(),
    kubeconfig: layout.kubeconfig,
    server: `https://127.0.0.1:${ports.apiserver}`,
    ports,
    processes: {},
  };
  try {
    await startControlPlane(layout, state, toolchain, options.timeoutMs ?? 90_000, progress);
    const nodes = options.nodes ?? 3;
    const started = Date.now();
    await createFakeNodes(layout.kubeconfig, nodes, options.timeoutMs ?? 90_000);
    progress(`${nodes} fake nodes Ready (${Date.now() - started} ms)`);
    return state;
  } catch (error) {
    progress(`start failed; stopping what was started (logs kept in ${layout.logs})`);
    await stopAll(state);
    await rm(layout.stateFile, { force: true });
    throw error;
  }
}

async function startControlPlane(
  layout: ClusterLayout,
  state: ClusterState,
  toolchain: Toolchain,
  timeoutMs: number,
  progress: ProgressReporter,
): Promise<void> {
  let step = Date.now();
  await createClusterPki(layout);
  const pki = pkiPaths(layout);
  const [caData, clientCertData, clientKeyData] = (await Promise.all(
    [pki.caCert, pki.adminCert, pki.adminKey].map((p) => readFile(p, 'utf8')),
  )) as [string, string, string];
  await writeFile(
    layout.kubeconfig,
    renderKubeconfig({
      clusterName: layout.name,
      server: state.server,
      caData,
      clientCertData,
      clientKeyData,
    }),
    { mode: 0o600 },
  );
  progress(`certificates and kubeconfig written (${Date.now() - step} ms)`);
  const tls = { ca: caData, cert: clientCertData, key: clientKeyData };
  const ready: Record<ComponentName, () => Promise<boolean>> = {
    etcd: async () => ok(await probe(`http://127.0.0.1:${state.ports.etcdClient}/health`), '"true"'),
    'kube-apiserver': async () => ok(await probe(`${state.server}/readyz`, tls)),
    'kube-controller-manager': async () =>
      ok(await probe(`https://127.0.0.1:${state.ports.controllerManager}/healthz`, { insecure: true })),
    'kube-scheduler': async () =>
      ok(await probe(`https://127.0.0.1:${state.ports.scheduler}/healthz`, { insecure: true })),
    kwok: async () => ok(await probe(`http://127.0.0.1:${state.ports.kwok}/healthz`)),
  };
  const start = async (component: ComponentName): Promise<void> => {
    const args = componentArgs(component, layout, state.ports, KWOK_STAGES_FILE);
    const proc = startProcess(toolchain[component], args, join(layout.logs, `${component}.log`));
    state.processes[component] = proc;
    await writeState(layout, state);
    await waitUntilReady(component, proc, ready[component], timeoutMs);
  };
  // etcd, then the API server; the rest only need the API server and start together.
  for (const group of [
    ['etcd'],
    ['kube-apiserver'],
    ['kube-controller-manager', 'kube-scheduler', 'kwok'],
  ] as const) {
    step = Date.now();
    await Promise.all(group.map(start));
    progress(`${group.join(', ')} ready (${Date.now() - step} ms)`);
  }
}

function ok(result: ProbeResult | undefined, bodyIncludes?: string): boolean {
  return result?.status === 200 && (bodyIncludes === undefined || result.body.includes(bodyIncludes));
}

async function waitUntilReady(
  component: ComponentName,
  proc: ManagedProcess,
  isReady: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  await pollUntil(
    async (note) => {
      if (!isRunning(proc)) {
        throw new MooringError(
          'PROCESS_FAILED',
          `${component} exited during start-up. Last lines of ${proc.logFile}:\n${await tailLog(proc.logFile)}`,
          {
            hint: 'a port clash or a stale data directory are the usual causes; `mooring dev cluster down` and retry',
          },
        );
      }
      if (await isReady()) return true;
      note(`${component} is running but not ready yet`);
      return undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${component} to become ready` },
  );
}

/** Stops every process recorded in `state` (the fallback when state.json cannot be read). */
export async function stopClusterProcesses(state: ClusterState): Promise<void> {
  await stopAll(state);
}

async function stopAll(state: ClusterState): Promise<void> {
  for (const component of [...COMPONENTS].reverse()) {
    const proc = state.processes[component];
    if (proc !== undefined) await stopProcess(proc);
  }
}

/** Stops every process of the named cluster and removes its data; logs are kept. Safe to repeat. */
export async function clusterDown(name: string, home?: string): Promise<{ stopped: ComponentName[] }> {
  const layout = clusterLayout(name, home);
  const state = await readState(layout);
  if (state === undefined) return { stopped: [] };
  const stopped = COMPONENTS.filter((c) => {
    const proc = state.processes[c];
    return proc !== undefined && isRunning(proc);
  });
  await stopAll(state);
  await Promise.all(
    [layout.stateFile, layout.etcdData, layout.pki, layout.certDir, layout.kubeconfig].map((p) =>
      rm(p, { recursive: true, force: true }),
    ),
  );
  return { stopped };
}

/** Which components of the named cluster run, how many nodes are Ready, and logs of the dead ones. */
export async function clusterStatus(name: string, home?: string): Promise<ClusterStatus> {
  const layout = clusterLayout(name, home);
  const state = await readState(layout);
  if (state === undefined) return { name, state: 'stopped', kubeconfig: layout.kubeconfig, components: [] };
  const components: ComponentStatus[] = [];
  for (const component of COMPONENTS) {
    const proc = state.processes[component];
    if (proc === undefined) continue;
    const running = isRunning(proc);
    components.push({
      component,
      pid: proc.pid,
      running,
      ...(running ? {} : { logTail: await tailLog(proc.logFile, 10) }),
    });
  }
  const allRunning = components.length === COMPONENTS.length && components.every((c) => c.running);
  const anyRunning = components.some((c) => c.running);
  const nodes = anyRunning ? await countReadyNodes(state.kubeconfig) : undefined;
  return {
    name,
    state: allRunning ? 'running' : anyRunning ? 'degraded' : 'stopped',
    kubeconfig: state.kubeconfig,
    server: state.server,
    components,
    ...(nodes === undefined ? {} : { nodes }),
  };
}
