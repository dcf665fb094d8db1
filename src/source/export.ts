/**
 * Exports the whole tree of a commit into `<exportsDir>/<commit>`: `git archive` piped into `tar -x`
 * (two processes joined by a pipe, no shell), written aside and renamed into place, so an export that
 * exists is complete. Symlinks stay symlinks; the render stage decides whether they escape.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { gitEnv } from './git-env.js';
import { GitCommandError, killProcessGroup } from './git-run.js';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The directory holding the tree of `commit` (a full id present in the mirror), exporting it unless a
 * complete export already exists.
 */
export async function exportCommit(
  mirrorDir: string,
  commit: string,
  exportsDir: string,
  timeoutMs: number,
): Promise<string> {
  const target = join(exportsDir, commit);
  if (await exists(target)) return target;
  await mkdir(exportsDir, { recursive: true });
  const staging = await mkdtemp(join(exportsDir, `.tmp-${commit.slice(0, 12)}-`));
  try {
    await archiveInto(mirrorDir, commit, staging, timeoutMs);
    // mkdtemp made it 0700; an export is as readable as any checkout.
    await chmod(staging, 0o755);
    await rename(staging, target);
  } catch (error) {
    // A concurrent export of the same commit won the rename: its result is identical.
    if (!(await exists(target))) throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
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
