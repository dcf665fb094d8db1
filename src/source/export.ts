/**
 * Exports the whole tree of a commit into a directory of its own under `<exportsDir>`: `git archive`
 * piped into `tar -x` (two processes joined by a pipe, no shell), written aside and renamed into place,
 * so an export that exists is complete. Each export belongs to one caller, which removes it after use
 * (removeExport): no export is shared, so none is removed under a render that still reads it.
 * Symlinks stay symlinks; the render stage decides whether they escape.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { gitEnv } from './git-env.js';
import { GitCommandError, killProcessGroup } from './git-run.js';

/** Name prefix of the exports of `commit`: `<commit>.<random>`. */
export function exportName(commit: string): string {
  return `${commit}.${randomBytes(6).toString('hex')}`;
}

/** A new directory holding the tree of `commit` (a full id present in the mirror). */
export async function exportCommit(
  mirrorDir: string,
  commit: string,
  exportsDir: string,
  timeoutMs: number,
): Promise<string> {
  await mkdir(exportsDir, { recursive: true });
  const target = join(exportsDir, exportName(commit));
  const staging = await mkdtemp(join(exportsDir, `.tmp-${commit.slice(0, 12)}-`));
  try {
    await archiveInto(mirrorDir, commit, staging, timeoutMs);
    // mkdtemp made it 0700; an export is as readable as any checkout.
    await chmod(staging, 0o755);
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

/**
 * Removes an export made by exportCommit: renamed aside first, so no one ever sees a half-removed tree
 * under an export's name. Never throws (an export already gone is fine).
 */
export async function removeExport(root: string): Promise<void> {
  const trash = join(dirname(root), `.rm-${basename(root)}`);
  try {
    await rename(root, trash);
  } catch {
    return;
  }
  await rm(trash, { recursive: true, force: true }).catch(() => undefined);
}

/** Streams `git archive <commit>` into `tar -x -C dir`. */
function archiveInto(mirrorDir: string, commit: string, dir: string, timeoutMs: number): Promise<void> {
  // The commit is a validated full id, so it cannot be read as an option (archive accepts no '--' here).
  const archiveArgs = ['archive', '--format=tar', commit];
  const archive = spawn('git', archiveArgs, {
    cwd: mirrorDir,
    env: gitEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tar = spawn('tar', ['-x', '-f', '-', '-C', dir, '--no-same-owner'], {
    env: { PATH: process.env.PATH, LC_ALL: 'C' },
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
  archive.stdout.pipe(tar.stdin);
  tar.stdin.on('error', () => undefined);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killProcessGroup(archive);
    killProcessGroup(tar);
  }, timeoutMs);
  return Promise.all([finished(archive), finished(tar)]).then(
    ([archiveResult, tarResult]) => {
      clearTimeout(timer);
      const failed = archiveResult.code !== 0 ? archiveResult : tarResult.code !== 0 ? tarResult : undefined;
      if (failed === undefined && !timedOut) return;
      const which = failed === tarResult ? ['tar', '-x'] : archiveArgs;
      throw new GitCommandError(which, failed?.stderr ?? '', failed?.code ?? null, timedOut);
    },
    (error: unknown) => {
      clearTimeout(timer);
      killProcessGroup(archive);
      killProcessGroup(tar);
      throw error;
    },
  );
}

function finished(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stderr: stderr.trim() });
    });
  });
}
