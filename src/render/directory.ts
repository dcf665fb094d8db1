/**
 * The directory renderer: every *.yaml, *.yml and *.json file of the app folder (recursively by default),
 * filtered by include/exclude globs, read in sorted order so renders are deterministic.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { MooringError } from '../core/errors.js';
import { assertNoEscapingSymlinks, isSymlinkLoop, symlinkLoop } from './confine.js';
import { selectedByGlobs } from './glob.js';
import { decodeManifestBytes, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_OBJECTS, parseManifests } from './parse.js';
import type { DirectoryOptions, RenderContext, RendererOutput, RenderedObject } from './types.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Whether a file name is one the directory renderer reads. */
export function isManifestFileName(name: string): boolean {
  return !name.startsWith('.') && MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/**
 * The manifest files below `appDir` as sorted '/'-separated relative paths. Hidden files and folders
 * (.git, .github) are skipped. Symlinks are followed; the caller has checked they stay inside the root.
 */
export async function listManifestFiles(
  appDir: string,
  options: DirectoryOptions = {},
  /** The app folder relative to the checkout root, to name paths in errors. */
  appPath = '',
): Promise<string[]> {
  const shown = (rel: string): string => (appPath === '' ? rel : rel === '' ? appPath : `${appPath}/${rel}`);
  const recurse = options.recurse ?? true;
  const found: string[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const real = await linkChecked(realpath(dir), shown(prefix));
    if (visited.has(real)) return;
    visited.add(real);
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const isDir =
        entry.isDirectory() ||
        (entry.isSymbolicLink() && (await linkChecked(stat(full), shown(rel))).isDirectory());
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

/**
 * `operation` on a path found in the folder, with a symlink loop or a symlink to nothing reported as such
 * (naming `rel`) instead of a raw ELOOP or ENOENT.
 */
async function linkChecked<T>(operation: Promise<T>, rel: string): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (isSymlinkLoop(error)) throw symlinkLoop(rel);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MooringError('RENDER_FAILED', `path "${rel}" is a symlink to a file that does not exist`, {
        step: 'render',
        subject: rel,
        hint: 'remove the symlink or point it at a file inside the repository',
      });
    }
    throw error;
  }
}

/**
 * Reads one manifest file, refusing it when it is larger than `maxBytes`: the size is checked on the open
 * file and the read stops at the limit, so a file that grows meanwhile is refused too.
 */
async function readManifestFile(full: string, shown: string, maxBytes: number): Promise<string> {
  const handle = await linkChecked(open(full, 'r'), shown);
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (size > maxBytes || bytesRead > maxBytes) {
      throw new MooringError(
        'RENDER_FAILED',
        `${shown} is ${Math.max(size, bytesRead)} bytes, more than the ${maxBytes} bytes allowed for one manifest file`,
        {
          step: 'render',
          subject: shown,
          hint: 'split the file, keep large data out of Git, or raise limits.maxFileBytes for the app',
        },
      );
    }
    return decodeManifestBytes(buffer.subarray(0, bytesRead), shown);
  } finally {
    await handle.close();
  }
}

/** Renders a folder of plain manifests. */
export async function renderDirectory(context: RenderContext): Promise<RendererOutput> {
  await assertNoEscapingSymlinks(context.root, context.appDir);
  const files = await listManifestFiles(context.appDir, context.input.options.directory, context.appPath);
  const maxFileBytes = context.limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxObjects = context.limits.maxObjects ?? DEFAULT_MAX_OBJECTS;
  const objects: RenderedObject[] = [];
  let bytes = 0;
  for (const file of files) {
    const shown = relative(context.root, join(context.appDir, file));
    const text = await readManifestFile(join(context.appDir, file), shown, maxFileBytes);
    bytes += Buffer.byteLength(text);
    if (bytes > context.limits.maxOutputBytes) {
      throw new MooringError(
        'RENDER_FAILED',
        `directory ${context.appPath || '.'} holds more than the ${context.limits.maxOutputBytes} bytes of manifests allowed for one render`,
        { step: 'render', subject: context.appPath, hint: 'split the app, or raise limits.maxOutputBytes' },
      );
    }
    const parsed = parseManifests(text, shown, { maxObjects, alreadyRead: objects.length });
    for (const rendered of parsed) objects.push(rendered);
  }
  const warnings =
    files.length === 0 ? [`no manifest files (*.yaml, *.yml, *.json) in ${context.appPath || '.'}`] : [];
  return { objects, warnings };
}
