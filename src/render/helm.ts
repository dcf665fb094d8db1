/**
 * The helm renderer: `helm template` of a chart in the checkout, with Helm's own config, cache and data in
 * a throw-away folder so the user's repositories and plugins are never used.
 *
 * Local dependencies (`repository: file://...` in Chart.yaml) that are not vendored under charts/ are
 * copied, unpacked, into charts/ of a temporary copy of the chart: Helm loads unpacked sub-charts the same
 * way as archives, and this needs no `helm dependency build` (which would want Chart.lock to match and
 * would try to refresh remote repositories). Remote dependencies must already be vendored under charts/.
 */
import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

import { readVersions } from '../devcluster/toolchain.js';
import { MooringError } from '../core/errors.js';
import { assertNoEscapingSymlinks, confinedFrom } from './confine.js';
import {
  chartDependencies,
  defaultReleaseName,
  helmTemplateArgs,
  isVendored,
  type ChartDependency,
} from './helm-args.js';
import { parseManifests } from './parse.js';
import { runTool, withWorkDir } from './sandbox.js';
import type { RenderContext, RendererOutput } from './types.js';

async function readChart(context: RenderContext): Promise<unknown> {
  const file = join(context.appDir, 'Chart.yaml');
  const where = relative(context.root, file);
  try {
    return parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    throw new MooringError('INVALID_MANIFEST', `${where}: ${(error as Error).message.split('\n')[0] ?? ''}`, {
      step: 'render',
      subject: where,
      hint: 'fix Chart.yaml',
      cause: error,
    });
  }
}

/** Local chart folders to copy into charts/, after refusing remote dependencies that are not vendored. */
async function localDependencies(
  context: RenderContext,
  dependencies: ChartDependency[],
): Promise<Map<string, string>> {
  const chartsEntries = await readdir(join(context.appDir, 'charts')).catch(() => [] as string[]);
  const toCopy = new Map<string, string>();
  const chartFile = relative(context.root, join(context.appDir, 'Chart.yaml'));
  for (const dependency of dependencies) {
    if (isVendored(dependency.name, chartsEntries)) continue;
    if (!dependency.repository.startsWith('file://')) {
      throw new MooringError(
        'UNSAFE_INPUT',
        `${chartFile}: dependency "${dependency.name}" comes from ${dependency.repository || 'no repository'} and is not vendored under charts/; Mooring does not download charts`,
        {
          step: 'render',
          subject: chartFile,
          hint: 'run `helm dependency build` and commit the charts/ folder, or use a file:// dependency inside the repository',
        },
      );
    }
    const folder = await confinedFrom(
      context.root,
      context.appDir,
      dependency.repository.slice('file://'.length),
    );
    await assertNoEscapingSymlinks(context.root, folder);
    toCopy.set(dependency.name, folder);
  }
  return toCopy;
}

/** The chart folder helm should render: the app folder itself, or a temp copy with local dependencies added. */
async function chartToRender(context: RenderContext, workDir: string): Promise<string> {
  const dependencies = chartDependencies(await readChart(context));
  const toCopy = await localDependencies(context, dependencies);
  if (toCopy.size === 0) return context.appDir;
  const copy = join(workDir, 'chart');
  const skipGit = (source: string): boolean => !source.split('/').includes('.git');
  // Symlinks were checked to stay inside the checkout; copying their targets keeps the copy self-contained.
  await cp(context.appDir, copy, { recursive: true, dereference: true, filter: skipGit });
  for (const [name, folder] of toCopy) {
    await cp(folder, join(copy, 'charts', name), { recursive: true, dereference: true, filter: skipGit });
  }
  return copy;
}

async function valueFiles(context: RenderContext, workDir: string): Promise<string[]> {
  const helm = context.input.options.helm ?? {};
  const files: string[] = [];
  for (const file of helm.valueFiles ?? []) {
    const confined = await confinedFrom(context.root, context.appDir, file);
    if ((await stat(confined).catch(() => undefined))?.isFile() !== true) {
      throw new MooringError(
        'RENDER_FAILED',
        `helm value file "${file}" does not exist in ${context.appPath || '.'}`,
        {
          step: 'render',
          subject: file,
          hint: 'value files are relative to the app folder; check the name',
        },
      );
    }
    files.push(confined);
  }
  if (helm.values !== undefined && Object.keys(helm.values).length > 0) {
    // A file rather than --set-json: no escaping rules, and it merges last like the user expects.
    const inline = join(workDir, 'inline-values.json');
    await writeFile(inline, JSON.stringify(helm.values));
    files.push(inline);
  }
  return files;
}

/** Renders a Helm chart with `helm template`. */
export async function renderHelm(context: RenderContext): Promise<RendererOutput> {
  const { input, root, appDir } = context;
  const helm = input.options.helm ?? {};
  await assertNoEscapingSymlinks(root, appDir);
  const output = await withWorkDir(async (workDir) => {
    const chartDir = await chartToRender(context, workDir);
    const args = helmTemplateArgs({
      releaseName: helm.releaseName ?? defaultReleaseName(context.appPath),
      chartDir,
      namespace: input.namespace,
      kubeVersion: helm.kubeVersion ?? readVersions().kubernetes,
      valueFiles: await valueFiles(context, workDir),
      apiVersions: helm.apiVersions ?? [],
      includeCRDs: helm.includeCRDs === true,
    });
    return runTool({
      title: 'helm template',
      binary: input.tools.helm,
      args,
      cwd: appDir,
      workDir,
      limits: context.limits,
      env: {
        HELM_CACHE_HOME: join(workDir, 'helm', 'cache'),
        HELM_CONFIG_HOME: join(workDir, 'helm', 'config'),
        HELM_DATA_HOME: join(workDir, 'helm', 'data'),
      },
    });
  });
  const objects = parseManifests(output.stdout, `helm template output of ${context.appPath || '.'}`);
  return { objects, warnings: output.warnings };
}
