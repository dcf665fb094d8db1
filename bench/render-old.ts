/**
 * The render path before the render helper, kept for bench/render.ts only: the helm, kustomize and jsonnet
 * binaries run with execFile, as Mooring did until issue 7. Its input scanners are left out (they were
 * the unsafe part, and leaving them out only makes the old way faster). Never use this to render.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { parseManifests } from '../src/render/parse.js';
import { runTool, withWorkDir } from '../src/render/sandbox.js';
import type { RenderLimits } from '../src/render/types.js';

export interface OldTools {
  helm: string;
  kustomize: string;
  jsonnet: string;
}

const LIMITS: RenderLimits = {
  timeoutMs: 60_000,
  maxOutputBytes: 64 * 1024 * 1024,
  maxMemoryBytes: 0,
  maxFiles: 0,
  maxReadBytes: 0,
};

/** `kustomize build <dir> --load-restrictor LoadRestrictionsRootOnly`; returns the number of objects. */
export async function oldKustomize(tools: OldTools, appDir: string): Promise<number> {
  const output = await withWorkDir((workDir) =>
    runTool({
      title: 'kustomize build',
      binary: tools.kustomize,
      args: ['build', appDir, '--load-restrictor', 'LoadRestrictionsRootOnly'],
      cwd: appDir,
      workDir,
      limits: LIMITS,
    }),
  );
  return parseManifests(output.stdout, 'kustomize output').length;
}

/**
 * `helm template` of a temp copy of the chart with its file:// dependencies copied under charts/ (what
 * the old renderer did; `dependencies` maps a dependency name to its folder).
 */
export async function oldHelm(
  tools: OldTools,
  appDir: string,
  dependencies: Record<string, string>,
  valueFiles: string[],
): Promise<number> {
  const output = await withWorkDir(async (workDir) => {
    const copy = join(workDir, 'chart');
    await cp(appDir, copy, { recursive: true, dereference: true });
    await mkdir(join(copy, 'charts'), { recursive: true });
    for (const [name, folder] of Object.entries(dependencies)) {
      await cp(folder, join(copy, 'charts', name), { recursive: true, dereference: true });
    }
    return runTool({
      title: 'helm template',
      binary: tools.helm,
      args: [
        'template',
        'web',
        copy,
        '--namespace=web',
        '--kube-version=1.36.3',
        ...valueFiles.map((file) => `--values=${join(appDir, file)}`),
      ],
      cwd: appDir,
      workDir,
      limits: LIMITS,
      env: {
        HELM_CACHE_HOME: join(workDir, 'helm', 'cache'),
        HELM_CONFIG_HOME: join(workDir, 'helm', 'config'),
        HELM_DATA_HOME: join(workDir, 'helm', 'data'),
      },
    });
  });
  return parseManifests(output.stdout, 'helm output').length;
}

/** `jsonnet -J <lib>... --tla-str k=v --ext-str k=v <main>`; returns the output's length in bytes. */
export async function oldJsonnet(
  tools: OldTools,
  main: string,
  libDirs: string[],
  tlas: Record<string, string>,
  extVars: Record<string, string>,
): Promise<number> {
  const output = await withWorkDir((workDir) =>
    runTool({
      title: 'jsonnet',
      binary: tools.jsonnet,
      args: [
        ...libDirs.flatMap((dir) => ['-J', dir]),
        ...Object.entries(tlas).flatMap(([k, v]) => ['--tla-str', `${k}=${v}`]),
        ...Object.entries(extVars).flatMap(([k, v]) => ['--ext-str', `${k}=${v}`]),
        main,
      ],
      cwd: workDir,
      workDir,
      limits: LIMITS,
    }),
  );
  return output.stdout.length;
}
