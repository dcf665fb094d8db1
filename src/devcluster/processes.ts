import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { MooringError } from '../core/errors.js';
import { sleep } from '../core/wait.js';

/** A process Mooring started and may stop: its pid and the binary it runs (to recognise it later). */
export interface ManagedProcess {
  pid: number;
  binary: string;
  logFile: string;
}

/**
 * Starts `binary` with `args` in its own process group, stdout and stderr appended to `logFile`.
 * The process outlives this one (a CLI `up` returns while the cluster runs); stop it with stopProcess.
 */
export function startProcess(binary: string, args: string[], logFile: string): ManagedProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new MooringError('PROCESS_FAILED', `could not start ${binary}`);
    // Reap it if it dies while we are still running; do not keep our event loop alive for it.
    child.on('error', () => undefined);
    child.unref();
    return { pid: child.pid, binary, logFile };
  } finally {
    closeSync(fd);
  }
}

/** True while `proc.pid` is a live (non-zombie) process still running `proc.binary`. */
export function isRunning(proc: Pick<ManagedProcess, 'pid' | 'binary'>): boolean {
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z and X are dead.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const argv0 = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === proc.binary;
  } catch {
    return false;
  }
}

/**
 * Stops a process group started by startProcess: SIGTERM, then SIGKILL after `graceMs`.
 * Does nothing if the pid no longer runs that binary (never kills a recycled pid).
 */
export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(proc)) return;
  signalGroup(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(proc)) return;
    await sleep(50);
  }
  signalGroup(proc.pid, 'SIGKILL');
  while (isRunning(proc)) await sleep(20);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** The last `lines` lines of a log file, or a note that it cannot be read. */
export async function tailLog(logFile: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${logFile})`;
  }
}
