/**
 * Keeps renders inside the checkout: paths are resolved with realpath and refused when they (or a symlink
 * on the way) lead outside the root. Renderers call these before reading a file or starting a tool.
 */
import type { Dirent } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { MooringError } from '../core/errors.js';

/** Whether `path` is `root` itself or lies below it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}

function unsafe(relativePath: string, why: string, hint?: string): MooringError {
  return new MooringError('UNSAFE_INPUT', `path "${relativePath}" ${why}`, {
    step: 'render',
    subject: relativePath,
    hint:
      hint ??
      'keep every file a render reads inside the repository checkout (no "..", absolute paths or symlinks leading out)',
  });
}

/** Whether a filesystem error is "too many levels of symbolic links": a symlink that leads back to itself. */
export function isSymlinkLoop(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ELOOP';
}

/** The error for a symlink loop (a link to itself, or links that point at each other), naming the path. */
export function symlinkLoop(relativePath: string): MooringError {
  return unsafe(
    relativePath,
    'is a symlink loop: it leads back to itself (directly or through other symlinks)',
    'remove the symlink or point it at a real file or folder inside the repository',
  );
}

/** The real path of the checkout root (the root itself may sit behind a symlink, e.g. /tmp on macOS). */
export async function realRoot(root: string): Promise<string> {
  return realpath(root);
}

/**
 * Resolves `relativePath` against `root`, following symlinks, and returns the real absolute path. Refuses
 * absolute paths, '..' escapes and symlinks (of the file or of any parent folder) that lead outside the root.
 * A path that does not exist yet is checked through its deepest existing parent and returned resolved.
 */
export async function confinedPath(root: string, relativePath: string): Promise<string> {
  if (isAbsolute(relativePath))
    throw unsafe(relativePath, 'is absolute; paths must be relative to the checkout');
  const rootReal = await realRoot(root);
  const lexical = resolve(rootReal, relativePath);
  if (!isInside(rootReal, lexical)) throw unsafe(relativePath, 'leads outside the checkout through ".."');
  const real = await realpathOfDeepestExisting(lexical).catch((error: unknown) => {
    throw isSymlinkLoop(error) ? symlinkLoop(relativePath) : error;
  });
  if (!isInside(rootReal, real))
    throw unsafe(
      relativePath,
      `is a symlink (or lies in a symlinked folder) that leads outside the checkout, to ${real}`,
    );
  return real;
}

async function realpathOfDeepestExisting(path: string): Promise<string> {
  let missing = '';
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), missing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = dirname(current);
      if (parent === current) return path;
      missing = join(current.slice(parent.length + 1), missing);
      current = parent;
    }
  }
}

/**
 * Walks `dir` (absolute, inside `root`) and refuses any symlink in it that leads outside the root: tools such
 * as kustomize, helm and jsonnet would follow it. Symlinked folders that stay inside are walked too (once).
 * `.git` folders are skipped: no renderer reads them.
 */
export async function assertNoEscapingSymlinks(root: string, dir: string): Promise<void> {
  const rootReal = await realRoot(root);
  const visited = new Set<string>();
  const pending = [await realpath(dir)];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (visited.has(next)) continue;
    visited.add(next);
    let entries: Dirent[];
    try {
      entries = await readdir(next, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw error;
    }
    for (const entry of entries) {
      const full = join(next, entry.name);
      if (entry.isDirectory() && entry.name !== '.git') pending.push(full);
      if (!entry.isSymbolicLink()) continue;
      const target = await symlinkTarget(full, relative(rootReal, full));
      if (!isInside(rootReal, target)) {
        throw unsafe(
          relative(rootReal, full),
          `is a symlink that leads outside the checkout, to ${target}`,
          'replace the symlink with a copy of the file, or point it inside the repository: renderers would follow it',
        );
      }
      if ((await stat(target).catch(() => undefined))?.isDirectory() === true) pending.push(target);
    }
  }
}

/**
 * Where a symlink leads: its real path, or for a dangling link the lexical target of its (real) chain.
 * A loop is refused, naming `shown`.
 */
async function symlinkTarget(link: string, shown: string): Promise<string> {
  try {
    return await realpath(link);
  } catch (error) {
    if (isSymlinkLoop(error)) throw symlinkLoop(shown);
    return resolve(dirname(link), await readlink(link));
  }
}
