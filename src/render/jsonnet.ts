/**
 * The jsonnet renderer: `jsonnet <main> -J <lib>... --tla-str k=v --ext-str k=v`, after following every
 * import from the main file and refusing those that jsonnet would read from outside the checkout.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

import { MooringError } from '../core/errors.js';
import { assertNoEscapingSymlinks, confinedFrom, confinedPath, isInside } from './confine.js';
import { jsonnetEntry } from './detect.js';
import { jsonnetImports, normaliseJsonnetOutput } from './jsonnet-source.js';
import { runTool, withWorkDir } from './sandbox.js';
import type { RenderContext, RendererOutput } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function unsafeImport(from: string, path: string, why: string): MooringError {
  return new MooringError('UNSAFE_INPUT', `${from} imports "${path}", which ${why}`, {
    step: 'render',
    subject: from,
    hint: 'import only files inside the repository (relative paths, or library folders given in options.jsonnet.libPaths)',
  });
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

/**
 * Follows imports from `main` the way jsonnet resolves them (the importing file's folder first, then the
 * library folders, right-most first) and refuses any that resolve outside the root.
 */
export async function assertImportsConfined(
  root: string,
  main: string,
  libDirs: readonly string[],
): Promise<void> {
  const searchLibs = [...libDirs].reverse();
  const seen = new Set<string>();
  const pending = [main];
  // Files are kept by the path jsonnet found them at: it resolves an import against that folder, not the real one.
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const fileReal = await realpath(file);
    if (seen.has(fileReal)) continue;
    seen.add(fileReal);
    const from = relative(root, file);
    for (const { kind, path } of jsonnetImports(await readFile(file, 'utf8'))) {
      if (isAbsolute(path)) throw unsafeImport(from, path, 'is an absolute path');
      for (const base of [dirname(file), ...searchLibs]) {
        const candidate = resolve(base, path);
        if (!(await isFile(candidate))) continue;
        const real = await realpath(candidate);
        if (!isInside(root, real))
          throw unsafeImport(from, path, `resolves outside the checkout, to ${real}`);
        if (kind === 'import') pending.push(candidate);
        break;
      }
    }
  }
}

async function mainFile(context: RenderContext): Promise<string> {
  const configured = context.input.options.jsonnet?.main;
  const entry = configured ?? jsonnetEntry(await readdir(context.appDir));
  if (entry === undefined) {
    throw new MooringError(
      'RENDER_FAILED',
      `${context.appPath || '.'} holds several .jsonnet files and none is main.jsonnet`,
      {
        step: 'render',
        subject: context.appPath,
        hint: 'name the entry file with options.jsonnet.main',
      },
    );
  }
  return confinedFrom(context.root, context.appDir, entry);
}

function variableArgs(flag: string, variables: Record<string, string> | undefined): string[] {
  return Object.entries(variables ?? {}).flatMap(([name, value]) => {
    if (!IDENTIFIER.test(name)) {
      throw new MooringError('INVALID_ARGUMENT', `jsonnet variable name "${name}" is not an identifier`, {
        step: 'render',
        subject: name,
        hint: 'use letters, digits and "_" for top-level arguments and external variables',
      });
    }
    // Always `name=value`: a bare name would make jsonnet read the variable from the environment.
    return [flag, `${name}=${value}`];
  });
}

/** Renders a jsonnet program. */
export async function renderJsonnet(context: RenderContext): Promise<RendererOutput> {
  const { input, root, appDir } = context;
  const options = input.options.jsonnet ?? {};
  const main = await mainFile(context);
  const libDirs: string[] = [];
  for (const lib of options.libPaths ?? []) libDirs.push(await confinedPath(root, lib));
  for (const dir of [appDir, ...libDirs]) await assertNoEscapingSymlinks(root, dir);
  await assertImportsConfined(root, main, libDirs);
  const args = [
    ...libDirs.flatMap((dir) => ['-J', dir]),
    ...variableArgs('--tla-str', options.tlas),
    ...variableArgs('--ext-str', options.extVars),
    main,
  ];
  const output = await withWorkDir((workDir) =>
    runTool({
      title: 'jsonnet',
      binary: input.tools.jsonnet,
      args,
      cwd: appDir,
      workDir,
      limits: context.limits,
    }),
  );
  const file = relative(root, main);
  let value: unknown;
  try {
    value = JSON.parse(output.stdout) as unknown;
  } catch (error) {
    throw new MooringError(
      'RENDER_FAILED',
      `jsonnet output of ${file} is not JSON: ${(error as Error).message}`,
      {
        step: 'render',
        subject: file,
        cause: error,
        hint: 'the program must evaluate to JSON objects (do not use -S string output)',
      },
    );
  }
  return { objects: normaliseJsonnetOutput(value, file), warnings: output.warnings };
}
