/**
 * The directory renderer: every *.yaml, *.yml and *.json file of the app folder (recursively by default),
 * filtered by include/exclude globs, read in sorted order so renders are deterministic.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { MooringError } from '../core/errors.js';
import { assertNoEscapingSymlinks } from './confine.js';
import { selectedByGlobs } from './glob.js';
import { parseManifests } from './parse.js';
import type { DirectoryOptions, RenderContext, RendererOutput } from './types.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Whether a file name is one the directory renderer reads. */
export function isManifestFileName(name: string): boolean {
  return !name.startsWith('.') && MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/**
 * The manifest files below `appDir` as sorted '/'-separated relative paths. Hidden files and folders
 * (.git, .github) are skipped. Symlinks are followed; the caller has checked they stay inside the root.
 */
export async function listManifestFiles(appDir: string, options: DirectoryOptions = {}): Promise<string[]> {
  const recurse = options.recurse ?? true;
  const found: string[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full)).isDirectory());
      if (isDir) {
        if (recurse) await walk(full, rel);
      } else if (isManifestFileName(entry.name) && selectedByGlobs(rel, options.include, options.exclude)) {
        found.push(rel);
      }
    }
  };
  await walk(appDir, '');
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Renders a folder of plain manifests. */
export async function renderDirectory(context: RenderContext): Promise<RendererOutput> {
  await assertNoEscapingSymlinks(context.root, context.appDir);
  const files = await listManifestFiles(context.appDir, context.input.options.directory);
  const objects = [];
  let bytes = 0;
  for (const file of files) {
    const text = await readFile(join(context.appDir, file), 'utf8');
    bytes += Buffer.byteLength(text);
    if (bytes > context.limits.maxOutputBytes) {
      throw new MooringError(
        'RENDER_FAILED',
        `directory ${context.appPath || '.'} holds more than the ${context.limits.maxOutputBytes} bytes of manifests allowed for one render`,
        { step: 'render', subject: context.appPath, hint: 'split the app, or raise limits.maxOutputBytes' },
      );
    }
    objects.push(...parseManifests(text, relative(context.root, join(context.appDir, file))));
  }
  const warnings =
    files.length === 0 ? [`no manifest files (*.yaml, *.yml, *.json) in ${context.appPath || '.'}`] : [];
  return { objects, warnings };
}
