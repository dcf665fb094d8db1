/** Runs the toolchain's kubectl against the test cluster, with a manifest on stdin when given. */
import { spawn } from 'node:child_process';

import { findToolchain } from '../../../src/devcluster/toolchain.js';
import { testCluster } from '../../helpers/kube.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectlPath(): string {
  const found = findToolchain();
  if (!('toolchain' in found))
    throw new Error(`toolchain incomplete (${found.missing.join(', ')}): run npm run toolchain`);
  return found.toolchain.kubectl;
}

/** kubectl with --kubeconfig of the test cluster; never throws on a non-zero exit (tests assert on it). */
export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath(), ['--kubeconfig', testCluster().kubeconfigPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** kubectl that must succeed: returns stdout, or throws with kubectl's stderr. */
export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The toolchain's kustomize binary. */
export function kustomizePath(): string {
  const found = findToolchain();
  if (!('toolchain' in found))
    throw new Error(`toolchain incomplete (${found.missing.join(', ')}): run npm run toolchain`);
  return found.toolchain.kustomize;
}
