import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { MooringError } from '../core/errors.js';
import type { ProgressReporter } from '../core/logger.js';
import { packageRoot } from '../core/package-root.js';
import { findRenderHelper } from './render-helper.js';

/** Versions pinned in toolchain/versions.env. */
export interface ToolchainVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  helm: string;
  kustomize: string;
  jsonnet: string;
}

/** Binaries the toolchain provides, by name. */
export const TOOLCHAIN_BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'helm',
  'kustomize',
  'jsonnet',
] as const;
export type ToolchainBinary = (typeof TOOLCHAIN_BINARIES)[number];

/** Absolute paths of every toolchain binary. */
export type Toolchain = Record<ToolchainBinary, string>;

/** Parses the KEY=value lines of versions.env (comments and blank lines ignored). */
export function parseVersions(text: string): ToolchainVersions {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z_]+)=([^\s#]+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const get = (key: string): string => {
    const value = values.get(key);
    if (value === undefined)
      throw new MooringError('INVALID_ARGUMENT', `toolchain/versions.env has no ${key}`);
    return value;
  };
  return {
    kubernetes: get('KUBERNETES_VERSION'),
    etcd: get('ETCD_VERSION'),
    kwok: get('KWOK_VERSION'),
    helm: get('HELM_VERSION'),
    kustomize: get('KUSTOMIZE_VERSION'),
    jsonnet: get('JSONNET_VERSION'),
  };
}

/** The cache directory name for a set of versions; must match scripts/toolchain.sh. */
export function toolchainKey(v: ToolchainVersions): string {
  return `k8s-${v.kubernetes}_etcd-${v.etcd}_kwok-${v.kwok}_helm-${v.helm}_kustomize-${v.kustomize}_jsonnet-${v.jsonnet}`;
}

export function readVersions(): ToolchainVersions {
  return parseVersions(readFileSync(join(packageRoot(), 'toolchain', 'versions.env'), 'utf8'));
}

/** Where the toolchain's binaries live for the pinned versions (they may not be built yet). */
export function toolchainBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.MOORING_TOOLCHAIN_DIR ?? join(homedir(), '.cache', 'mooring', 'toolchain');
  return join(root, toolchainKey(readVersions()), 'bin');
}

/** The toolchain if every binary is present and executable, else the names of those missing. */
export function findToolchain(binDir = toolchainBinDir()): { toolchain: Toolchain } | { missing: string[] } {
  const missing: string[] = [];
  const toolchain = {} as Toolchain;
  for (const name of TOOLCHAIN_BINARIES) {
    const path = join(binDir, name);
    try {
      accessSync(path, constants.X_OK);
      toolchain[name] = path;
    } catch {
      missing.push(name);
    }
  }
  return missing.length === 0 ? { toolchain } : { missing };
}

/**
 * Returns the toolchain, building what is missing with scripts/toolchain.sh (minutes the first time,
 * instant when cached). Each progress line of the build is passed to `progress`.
 */
export async function ensureToolchain(progress: ProgressReporter): Promise<Toolchain> {
  const found = findToolchain();
  if ('toolchain' in found && findRenderHelper() !== undefined) return found.toolchain;
  const missing = 'missing' in found ? found.missing : ['mooring-render'];
  progress(`building the local toolchain (missing: ${missing.join(', ')})`);
  await runToolchainScript(progress);
  const after = findToolchain();
  if ('toolchain' in after) return after.toolchain;
  throw new MooringError(
    'TOOLCHAIN_BUILD_FAILED',
    `toolchain build finished but ${after.missing.join(', ')} is missing`,
    {
      hint: 'run `npm run toolchain` and read its output',
    },
  );
}

function runToolchainScript(progress: ProgressReporter): Promise<void> {
  const script = join(packageRoot(), 'scripts', 'toolchain.sh');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines.push(line);
      progress(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      const codeName = code === 2 ? 'PREREQUISITE_MISSING' : 'TOOLCHAIN_BUILD_FAILED';
      reject(
        new MooringError(
          codeName,
          `toolchain build failed (exit ${String(code)}): ${lines.slice(-5).join(' | ')}`,
          {
            hint: 'run `npm run toolchain` to see the full output',
          },
        ),
      );
    });
  });
}
