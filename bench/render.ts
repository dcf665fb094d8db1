/**
 * Benchmark: render time of a kustomize overlay, a Helm chart (with a file:// dependency and a value file)
 * and a jsonnet app (with a library, TLAs and ext vars), the old way (helm, kustomize, jsonnet binaries
 * via execFile: bench/render-old.ts) against the render helper (src/render), alternating in one process
 * so both see the same machine load. Prints median and p90 per renderer and the ratio new/old.
 *
 *   npm run bench:render
 *   MOORING_BENCH_RENDERS=50 npm run bench:render
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { packageRoot } from '../src/core/package-root.js';
import { requireRenderHelper } from '../src/devcluster/render-helper.js';
import { findToolchain } from '../src/devcluster/toolchain.js';
import { render } from '../src/render/index.js';
import type { RenderInput, RenderOptions } from '../src/render/types.js';
import { oldHelm, oldJsonnet, oldKustomize, type OldTools } from './render-old.js';

interface Case {
  name: string;
  old: () => Promise<number>;
  current: () => Promise<number>;
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function time(work: () => Promise<number>): Promise<number> {
  const start = process.hrtime.bigint();
  const produced = await work();
  if (produced <= 0) throw new Error('a render produced nothing');
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function cases(root: string, tools: OldTools, helper: string): Case[] {
  const input = (path: string, options: RenderOptions): RenderInput => ({
    root,
    path,
    namespace: 'web',
    options,
    tools: { renderHelper: helper },
  });
  const count = async (renderInput: RenderInput): Promise<number> =>
    (await render(renderInput)).objects.length;
  const jsonnet = { tlas: { replicas: '2' }, extVars: { env: 'prod' } };
  return [
    {
      name: 'kustomize overlay',
      old: () => oldKustomize(tools, join(root, 'kustomize', 'overlays', 'prod')),
      current: () => count(input('kustomize/overlays/prod', {})),
    },
    {
      name: 'helm chart + file:// dependency',
      old: () =>
        oldHelm(tools, join(root, 'helm', 'web'), { common: join(root, 'helm', 'common') }, [
          'values-prod.yaml',
        ]),
      current: () =>
        count(input('helm/web', { helm: { releaseName: 'web', valueFiles: ['values-prod.yaml'] } })),
    },
    {
      name: 'jsonnet app + library',
      old: () =>
        oldJsonnet(
          tools,
          join(root, 'jsonnet', 'app', 'main.jsonnet'),
          [join(root, 'jsonnet', 'lib')],
          jsonnet.tlas,
          jsonnet.extVars,
        ),
      current: () => count(input('jsonnet/app', { jsonnet: { ...jsonnet, libPaths: ['jsonnet/lib'] } })),
    },
  ];
}

async function main(): Promise<void> {
  const renders = Number(process.env.MOORING_BENCH_RENDERS ?? 20);
  const found = findToolchain();
  if (!('toolchain' in found)) throw new Error(`toolchain incomplete: ${found.missing.join(', ')}`);
  const { helm, kustomize, jsonnet } = found.toolchain;
  const helper = requireRenderHelper();
  const root = await mkdtemp(join(tmpdir(), 'mooring-bench-render-'));
  try {
    await cp(join(packageRoot(), 'test', 'fixtures', 'render'), root, { recursive: true });
    console.log(`render benchmark: ${String(renders)} renders each, old and new alternating`);
    for (const { name, old, current } of cases(root, { helm, kustomize, jsonnet }, helper)) {
      await old(); // warm the page cache for both
      await current();
      const oldMs: number[] = [];
      const newMs: number[] = [];
      for (let i = 0; i < renders; i++) {
        oldMs.push(await time(old));
        newMs.push(await time(current));
      }
      const ratio = quantile(newMs, 0.5) / quantile(oldMs, 0.5);
      console.log(
        `${name.padEnd(32)} old p50 ${quantile(oldMs, 0.5).toFixed(1)} ms p90 ${quantile(oldMs, 0.9).toFixed(1)} ms | ` +
          `helper p50 ${quantile(newMs, 0.5).toFixed(1)} ms p90 ${quantile(newMs, 0.9).toFixed(1)} ms | ` +
          `new/old ${ratio.toFixed(2)}`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
