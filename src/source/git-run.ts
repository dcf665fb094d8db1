/**
 * Runs the git CLI: argument arrays (never a shell), the isolated environment of git-env.ts, a timeout
 * that kills git and its helpers (remote-https, ssh), and stderr scrubbed of secrets before it is kept.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

import { gitEnv, scrubSecrets } from './git-env.js';

/** Default time limit of one git call. */
export const DEFAULT_GIT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface GitRunOptions {
  /** Repository (--git-dir) or working directory. */
  cwd?: string;
  /** Added to the isolated environment (credentials). */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  /** Removed from stderr before the error keeps it. */
  secrets?: readonly string[];
  /** Written to git's stdin. */
  stdin?: string;
}

/**
 * A git call that failed. Holds only scrubbed text: its cause chain never leads to raw stderr or to the
 * environment that carried credentials.
 */
export class GitCommandError extends Error {
  /** The arguments, with the user info of any URL among them scrubbed. */
  readonly args: readonly string[];

  constructor(
    args: readonly string[],
    /** Scrubbed, trimmed. */
    readonly stderr: string,
    readonly exitCode: number | null,
    readonly timedOut: boolean,
  ) {
    super(
      timedOut
        ? `git ${args[0] ?? ''} timed out`
        : `git ${args[0] ?? ''} failed (exit ${String(exitCode)}): ${stderr.split('\n').slice(-3).join(' ')}`,
    );
    this.name = 'GitCommandError';
    this.args = args.map((arg) => scrubSecrets(arg, []));
  }
}

/** Kills a git process started with `detached: true` together with the helpers it started. */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs `git args...`; resolves with stdout, rejects with a GitCommandError. */
export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // A process group of its own, so a timeout can end git-remote-https or ssh too.
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killProcessGroup(child);
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) killProcessGroup(child);
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new GitCommandError(args, `cannot run git: ${error.message}`, null, false));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const text = scrubSecrets(Buffer.concat(stderr).toString('utf8').trim(), options.secrets ?? []);
      reject(new GitCommandError(args, text, code, timedOut));
    });
  });
}
