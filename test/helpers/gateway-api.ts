/**
 * Installs the Gateway API standard CRDs (GatewayClass, Gateway, HTTPRoute) on the test cluster. They come
 * from the sigs.k8s.io/gateway-api Go module (its zip holds config/crd/standard/*.yaml, Apache-2.0), fetched
 * once by `go mod download` into Go's own module cache, so nothing is vendored in this repository and a
 * second run reads the cache.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { kubectlOk } from '../integration/crd/kubectl.js';

/** A version the Go module proxy serves that builds with this machine's Go. */
export const GATEWAY_API_VERSION = 'v1.6.3';
const MODULE = 'sigs.k8s.io/gateway-api';
const CRDS = ['gatewayclasses', 'gateways', 'httproutes'] as const;

let installed: Promise<void> | undefined;

/** The module's folder in Go's module cache (downloaded on first use). */
export async function gatewayApiDir(): Promise<string> {
  // An empty folder: a go.mod in a parent would make `go mod download` resolve within that module.
  const cwd = await mkdtemp(join(tmpdir(), 'mooring-gateway-api-'));
  const { stdout } = await promisify(execFile)(
    'go',
    ['mod', 'download', '-json', `${MODULE}@${GATEWAY_API_VERSION}`],
    {
      cwd,
      env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' },
      maxBuffer: 1024 * 1024,
    },
  );
  await rm(cwd, { recursive: true, force: true });
  const dir = (JSON.parse(stdout) as { Dir?: string; Error?: string }).Dir;
  if (dir === undefined) throw new Error(`go mod download ${MODULE}@${GATEWAY_API_VERSION}: ${stdout}`);
  return dir;
}

/** Applies the CRDs once per process (idempotent; they stay installed, other tests may use them). */
export function installGatewayApiCrds(): Promise<void> {
  installed ??= (async () => {
    const dir = join(await gatewayApiDir(), 'config', 'crd', 'standard');
    await kubectlOk([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=mooring-test',
      ...CRDS.flatMap((c) => ['-f', join(dir, `gateway.networking.k8s.io_${c}.yaml`)]),
    ]);
    await kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...CRDS.map((c) => `crd/${c}.gateway.networking.k8s.io`),
    ]);
  })();
  return installed;
}
