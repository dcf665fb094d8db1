/**
 * The jsonnet renderer: go-jsonnet inside the render helper, with an importer that resolves import,
 * importstr and importbin only inside the checkout (the importing file's folder, then libPaths) and no
 * native functions. Top-level arguments and external variables are plain strings.
 */
import { readdir } from 'node:fs/promises';

import { MooringError } from '../core/errors.js';
import { jsonnetEntry } from './detect.js';
import { runHelper } from './helper.js';
import { normaliseJsonnetOutput } from './jsonnet-output.js';
import type { RenderContext, RendererOutput } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkNames(variables: Record<string, string> | undefined): void {
  for (const name of Object.keys(variables ?? {})) {
    if (!IDENTIFIER.test(name)) {
      throw new MooringError('INVALID_ARGUMENT', `jsonnet variable name "${name}" is not an identifier`, {
        step: 'render',
        subject: name,
        hint: 'use letters, digits and "_" for top-level arguments and external variables',
      });
    }
  }
}

/** The entry file, relative to the app folder: options.jsonnet.main, main.jsonnet or the only .jsonnet file. */
async function entryFile(context: RenderContext): Promise<string> {
  const entry = context.input.options.jsonnet?.main ?? jsonnetEntry(await readdir(context.appDir));
  if (entry === undefined) {
    throw new MooringError(
      'RENDER_FAILED',
      `${context.appPath || '.'} holds several .jsonnet files and none is main.jsonnet`,
      { step: 'render', subject: context.appPath, hint: 'name the entry file with options.jsonnet.main' },
    );
  }
  return entry;
}

/** Renders a jsonnet program. */
export async function renderJsonnet(context: RenderContext): Promise<RendererOutput> {
  const options = context.input.options.jsonnet ?? {};
  checkNames(options.tlas);
  checkNames(options.extVars);
  const main = await entryFile(context);
  const output = await runHelper(context, { renderer: 'jsonnet', jsonnet: { ...options, main } });
  const file = [context.appPath, main].filter((part) => part !== '').join('/');
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
