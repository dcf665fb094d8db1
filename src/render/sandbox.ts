/**
 * Runs a renderer tool the one way Mooring allows: execFile with an argument array, a time limit, an
 * output limit, a minimal environment (no proxies, no KUBECONFIG, HOME in a throw-away folder) and the
 * app folder as working directory. Failures become RENDER_FAILED errors that quote the tool's stderr,
 * unless the run explains them itself (the render helper reports structured errors).
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import type { RenderLimits } from './types.js';

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: RenderLimits = {
  timeoutMs: 60_000,
  maxOutputBytes: 64 * MiB,
  maxMemoryBytes: 1024 * MiB,
  maxFiles: 20_000,
  maxReadBytes: 256 * MiB,
};

/** The limits of a render: the caller's, completed with the defaults. */
export function resolveLimits(limits: Partial<RenderLimits> | undefined): RenderLimits {
  return {
    timeoutMs: limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
    maxOutputBytes: limits?.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    maxMemoryBytes: limits?.maxMemoryBytes ?? DEFAULT_LIMITS.maxMemoryBytes,
    maxFiles: limits?.maxFiles ?? DEFAULT_LIMITS.maxFiles,
    maxReadBytes: limits?.maxReadBytes ?? DEFAULT_LIMITS.maxReadBytes,
  };
}

export interface ToolRun {
  /** How the run is named in messages, e.g. "helm template". */
  title: string;
  binary: string;
  args: string[];
  cwd: string;
  /** A private folder for this render; HOME points into it. */
  workDir: string;
  limits: RenderLimits;
  /** Variables added to the minimal environment (e.g. HELM_CACHE_HOME). */
  env?: Record<string, string>;
  /** Written to the tool's standard input (then closed). */
  stdin?: string;
  /** Turns a failed run into a specific error; undefined falls back to the generic RENDER_FAILED. */
  explain?: (error: ExecFileException, stderr: string) => MooringError | undefined;
}

export interface ToolOutput {
  stdout: string;
  /** Non-empty stderr lines of a successful run (tools print warnings there). */
  warnings: string[];
}

/**
 * At most `count` non-empty lines of a tool's stderr, for messages: the first few (jsonnet puts its error
 * there, before a stack trace) and the last ones (helm and kustomize end with theirs).
 */
export function stderrExcerpt(text: string, count = 20): string {
  const lines = text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  if (lines.length <= count) return lines.join('\n');
  const head = Math.min(5, count - 1);
  const tail = count - head;
  const omitted = lines.length - head - tail;
  return [...lines.slice(0, head), `... (${omitted} lines left out)`, ...lines.slice(-tail)].join('\n');
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The environment a tool sees: nothing of the controller's, so no proxies, credentials or KUBECONFIG. */
export function minimalEnv(workDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: join(workDir, 'home'),
    TMPDIR: join(workDir, 'tmp'),
    LANG: 'C.UTF-8',
    ...extra,
  };
}

function failure(run: ToolRun, error: ExecFileException, stderr: string): MooringError {
  const subject = run.cwd;
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new MooringError(
      'RENDER_FAILED',
      `${run.title} printed more than the ${run.limits.maxOutputBytes} bytes allowed for one render`,
      {
        step: 'render',
        subject,
        cause: error,
        hint: 'render less at once (split the app) or raise limits.maxOutputBytes',
      },
    );
  }
  if (error.killed === true && error.code === null) {
    return new MooringError('RENDER_FAILED', `${run.title} exceeded ${seconds(run.limits.timeoutMs)}`, {
      step: 'render',
      subject,
      cause: error,
      hint: 'look for an endless loop or recursion in the app, or raise limits.timeoutMs',
    });
  }
  if (error.code === 'ENOENT') {
    return new MooringError('RENDER_FAILED', `${run.title}: cannot run ${run.binary} (not found)`, {
      step: 'render',
      subject,
      cause: error,
      hint: 'build the toolchain with `npm run toolchain`',
    });
  }
  const exit = typeof error.code === 'number' ? `exit ${error.code}` : String(error.code ?? error.signal);
  const details = stderrExcerpt(stderr) || error.message;
  return new MooringError('RENDER_FAILED', `${run.title} failed (${exit}):\n${details}`, {
    step: 'render',
    subject,
    cause: error,
    hint: 'fix the error the tool reports above; render locally with the same command to see it in full',
  });
}

/** Runs one tool to completion; resolves with its stdout, rejects with a RENDER_FAILED MooringError. */
export async function runTool(run: ToolRun): Promise<ToolOutput> {
  await mkdir(join(run.workDir, 'home'), { recursive: true });
  await mkdir(join(run.workDir, 'tmp'), { recursive: true });
  return new Promise((resolve, reject) => {
    const child = execFile(
      run.binary,
      run.args,
      {
        cwd: run.cwd,
        env: minimalEnv(run.workDir, run.env),
        timeout: run.limits.timeoutMs,
        maxBuffer: run.limits.maxOutputBytes,
        killSignal: 'SIGKILL',
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(run.explain?.(error, stderr) ?? failure(run, error, stderr));
          return;
        }
        const warnings = stderrExcerpt(stderr)
          .split('\n')
          .filter((line) => line !== '');
        resolve({ stdout, warnings });
      },
    );
    // A child that dies before reading its input makes the write fail (EPIPE): the exit callback reports it.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(run.stdin ?? '');
  });
}

/** Runs `work` with a fresh private temp folder that is removed afterwards, whatever happens. */
export async function withWorkDir<T>(work: (workDir: string) => Promise<T>): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), 'mooring-render-'));
  try {
    return await work(workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
