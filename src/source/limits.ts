/**
 * Size limits of what a source export writes to disk, checked against the tree git holds before a byte
 * is written: a small repository can hold a huge file (it compresses), and a render must never get a
 * 200 MB checkout. `treeUsage` and `limitViolation` are pure; `checkTreeLimits` asks git.
 */
import { rm } from 'node:fs/promises';

import { MooringError } from '../core/errors.js';
import { runGit } from './git-run.js';
import type { SourceLimits } from './types.js';

/** Defaults: 256 MiB in all, 64 MiB for one file, 100,000 files; 1 GiB for a mirror. */
export const DEFAULT_SOURCE_LIMITS: Readonly<SourceLimits> = {
  maxBytes: 256 * 1024 * 1024,
  maxFileBytes: 64 * 1024 * 1024,
  maxFiles: 100_000,
  maxMirrorBytes: 1024 * 1024 * 1024,
};

/** What a tree would take once exported. */
export interface TreeUsage {
  files: number;
  bytes: number;
  /** The largest file, if any. */
  largest?: { path: string; bytes: number };
  /** The first file, in tree order, over `maxFileBytes`. */
  firstOver?: { path: string; bytes: number };
  /** The file during which the running total passed `maxBytes`. */
  totalPassedAt?: string;
}

/**
 * Sums `git ls-tree -r -l -z` output (`<mode> <type> <object> <size>\t<path>\0`): blobs count as files
 * of their size; submodule entries ('-' size) count as nothing.
 */
export function treeUsage(output: string, limits: SourceLimits): TreeUsage {
  const usage: TreeUsage = { files: 0, bytes: 0 };
  for (const entry of output.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [, type = '', , size = ''] = entry.slice(0, tab).trim().split(/\s+/);
    if (type !== 'blob') continue;
    const path = entry.slice(tab + 1);
    const bytes = Number.parseInt(size, 10) || 0;
    usage.files += 1;
    usage.bytes += bytes;
    if (usage.largest === undefined || bytes > usage.largest.bytes) usage.largest = { path, bytes };
    if (usage.firstOver === undefined && bytes > limits.maxFileBytes) usage.firstOver = { path, bytes };
    if (usage.totalPassedAt === undefined && usage.bytes > limits.maxBytes) usage.totalPassedAt = path;
  }
  return usage;
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * The limit `usage` breaks, as a SOURCE_FAILED naming the file and the limit, or undefined. `where`
 * names the repository and commit.
 */
export function limitViolation(
  usage: TreeUsage,
  limits: SourceLimits,
  where: string,
): MooringError | undefined {
  const fail = (message: string, subject: string, hint: string): MooringError =>
    new MooringError('SOURCE_FAILED', `${where}: ${message}`, { step: 'source', subject, hint });
  if (usage.firstOver !== undefined)
    return fail(
      `file ${usage.firstOver.path} is ${mib(usage.firstOver.bytes)}, over the limit of ${mib(limits.maxFileBytes)} for one file; nothing was exported`,
      usage.firstOver.path,
      'remove the file from the repository (keep large binaries out of configuration repositories), or raise --max-source-file-size',
    );
  if (usage.bytes > limits.maxBytes)
    return fail(
      `the tree holds ${mib(usage.bytes)}, over the limit of ${mib(limits.maxBytes)} (passed at ${usage.totalPassedAt ?? '?'}, largest file ${usage.largest?.path ?? '?'}); nothing was exported`,
      usage.totalPassedAt ?? '',
      'keep large files out of the repository, or raise --max-source-size',
    );
  if (usage.files > limits.maxFiles)
    return fail(
      `the tree holds ${usage.files} files, over the limit of ${limits.maxFiles}; nothing was exported`,
      '',
      'split the repository, or raise --max-source-files',
    );
  return undefined;
}

/** Throws SOURCE_FAILED when the tree of `commit` in the mirror breaks one of `limits`. */
export async function checkTreeLimits(
  mirrorDir: string,
  commit: string,
  limits: SourceLimits,
  where: string,
  timeoutMs: number,
): Promise<void> {
  // The commit is a validated full id, so it cannot be read as an option.
  const output = await runGit(['ls-tree', '-r', '-l', '-z', '--full-tree', commit], {
    cwd: mirrorDir,
    timeoutMs,
  });
  const violation = limitViolation(treeUsage(output, limits), limits, where);
  if (violation !== undefined) throw violation;
}

/** Bytes on disk of a repository per `git count-objects -v` (loose objects, packs and garbage, in KiB). */
export function mirrorBytes(countObjectsOutput: string): number {
  let kib = 0;
  for (const line of countObjectsOutput.split('\n')) {
    const match = /^(size|size-pack|size-garbage): (\d+)$/.exec(line.trim());
    if (match !== null) kib += Number(match[2]);
  }
  return kib * 1024;
}

/**
 * Throws SOURCE_FAILED when the mirror holds more than `maxMirrorBytes`, after removing it (so one
 * repository cannot keep the cache's disk full); the next fetch starts again from nothing.
 */
export async function checkMirrorSize(
  mirrorDir: string,
  limits: SourceLimits,
  url: string,
  timeoutMs: number,
): Promise<void> {
  const bytes = mirrorBytes(await runGit(['count-objects', '-v'], { cwd: mirrorDir, timeoutMs }));
  if (bytes <= limits.maxMirrorBytes) return;
  await rm(mirrorDir, { recursive: true, force: true });
  throw new MooringError(
    'SOURCE_FAILED',
    `${url}: the repository takes ${mib(bytes)} in the mirror cache, over the limit of ${mib(limits.maxMirrorBytes)}; the mirror was removed`,
    {
      step: 'source',
      subject: url,
      hint: 'keep large files and long-lived big branches out of configuration repositories, or raise --max-mirror-size',
    },
  );
}
