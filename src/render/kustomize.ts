/**
 * The kustomize renderer: `kustomize build <app> --load-restrictor LoadRestrictionsRootOnly`, after
 * scanning the kustomization tree for remote bases and for folders outside the checkout.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

import { MooringError } from '../core/errors.js';
import { assertNoEscapingSymlinks, confinedFrom } from './confine.js';
import { KUSTOMIZATION_FILES } from './detect.js';
import { kustomizationRefs, looksRemote } from './kustomize-refs.js';
import { parseManifests } from './parse.js';
import { runTool, withWorkDir } from './sandbox.js';
import type { RenderContext, RendererOutput } from './types.js';

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** The parsed kustomization file of a folder, or undefined if it has none. */
async function readKustomization(root: string, dir: string): Promise<unknown> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = join(dir, name);
    if (!(await exists(file))) continue;
    const where = relative(root, file);
    try {
      return parse(await readFile(file, 'utf8')) as unknown;
    } catch (error) {
      throw new MooringError(
        'INVALID_MANIFEST',
        `${where}: ${(error as Error).message.split('\n')[0] ?? ''}`,
        {
          step: 'render',
          subject: where,
          hint: 'fix the YAML syntax of the kustomization file',
          cause: error,
        },
      );
    }
  }
  return undefined;
}

function remoteRefused(where: string, field: string, entry: string): MooringError {
  return new MooringError(
    'UNSAFE_INPUT',
    `${where} refers to a remote ${field} entry "${entry}", and remote bases are not allowed for this app`,
    {
      step: 'render',
      subject: where,
      hint: 'vendor the base into the repository, or allow remote bases for this app (options.kustomize.allowRemoteBases)',
    },
  );
}

/**
 * Walks the kustomization tree from `appDir` through local folders (resources, bases, components...),
 * refusing remote entries (unless allowed), entries that lead outside the checkout, and symlinks in any
 * visited folder that lead outside. Returns the folders visited.
 */
export async function scanKustomizations(
  root: string,
  appDir: string,
  allowRemote: boolean,
): Promise<string[]> {
  const visited: string[] = [];
  const pending = [appDir];
  for (let dir = pending.shift(); dir !== undefined; dir = pending.shift()) {
    if (visited.includes(dir)) continue;
    visited.push(dir);
    await assertNoEscapingSymlinks(root, dir);
    const kustomization = await readKustomization(root, dir);
    const where = relative(root, dir) || '.';
    for (const { field, entry, mayBeFolder } of kustomizationRefs(kustomization)) {
      const local = await exists(join(dir, entry)).catch(() => false);
      if (looksRemote(entry, local)) {
        if (allowRemote) continue;
        throw remoteRefused(`kustomization in ${where}`, field, entry);
      }
      const target = await confinedFrom(root, dir, entry);
      if (mayBeFolder && (await isDirectory(target))) pending.push(target);
    }
  }
  return visited;
}

/** Renders a kustomization. */
export async function renderKustomize(context: RenderContext): Promise<RendererOutput> {
  const { input, root, appDir } = context;
  await scanKustomizations(root, appDir, input.options.kustomize?.allowRemoteBases === true);
  const title = 'kustomize build';
  const output = await withWorkDir((workDir) =>
    runTool({
      title,
      binary: input.tools.kustomize,
      args: ['build', appDir, '--load-restrictor', 'LoadRestrictionsRootOnly'],
      cwd: appDir,
      workDir,
      limits: context.limits,
    }),
  );
  const objects = parseManifests(output.stdout, `kustomize build output of ${context.appPath || '.'}`);
  return { objects, warnings: output.warnings };
}
