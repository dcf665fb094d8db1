/**
 * Runs Mooring's render helper (`mooring-render`, toolchain/render-helper): kustomize, helm and jsonnet
 * linked in as libraries that read the checkout only through one read-only os.Root view of it, with no
 * network, nothing to execute and a memory cap. The confinement is in the helper, where files are
 * opened; this side sends one JSON request on stdin and maps the helper's structured errors.
 */
import type { ExecFileException } from 'node:child_process';

import { type ErrorCode, MooringError } from '../core/errors.js';
import { isRecord } from '../core/objects.js';
import { runTool, stderrExcerpt, withWorkDir, type ToolOutput } from './sandbox.js';
import type { HelmOptions, JsonnetOptions, KustomizeOptions, RenderContext } from './types.js';

/** The exit code with which the helper reports a structured error (one JSON object on stderr). */
const EXIT_RENDER_ERROR = 3;

const HELPER_CODES = new Set<ErrorCode>([
  'RENDER_FAILED',
  'UNSAFE_INPUT',
  'INVALID_MANIFEST',
  'INVALID_ARGUMENT',
]);

export type HelperRenderer =
  | { renderer: 'kustomize'; kustomize: KustomizeOptions }
  | { renderer: 'helm'; helm: HelmOptions & { releaseName: string; kubeVersion: string } }
  | { renderer: 'jsonnet'; jsonnet: JsonnetOptions };

/** The error the helper printed on stderr, as a MooringError; undefined if stderr is not one. */
export function helperError(stderr: string, cause?: unknown): MooringError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stderr.trim().split('\n').pop() ?? '') as unknown;
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || typeof parsed.message !== 'string') return undefined;
  const code = HELPER_CODES.has(parsed.code as ErrorCode) ? (parsed.code as ErrorCode) : 'RENDER_FAILED';
  return new MooringError(code, parsed.message, {
    step: 'render',
    ...(typeof parsed.file === 'string' && parsed.file !== '' ? { subject: parsed.file } : {}),
    ...(typeof parsed.hint === 'string' && parsed.hint !== '' ? { hint: parsed.hint } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

function explain(context: RenderContext, title: string) {
  return (error: ExecFileException, stderr: string): MooringError | undefined => {
    if (error.code === EXIT_RENDER_ERROR) return helperError(stderr, error);
    // The runtime's own out-of-memory death: the kernel refused memory past the helper's hard cap.
    if (/fatal error: out of memory|runtime: out of memory/.test(stderr)) {
      return new MooringError(
        'RENDER_FAILED',
        `${title} of ${context.appPath || '.'} used more than the memory limit of ${Math.round(context.limits.maxMemoryBytes / 1024 / 1024)} MiB`,
        {
          step: 'render',
          subject: context.appPath || '.',
          cause: error,
          hint: 'look for a runaway recursion or a huge generated value in the app, or raise limits.maxMemoryBytes',
        },
      );
    }
    if (typeof error.code === 'number') {
      return new MooringError(
        'RENDER_FAILED',
        `${title} of ${context.appPath || '.'}: the render helper failed (exit ${error.code}):\n${stderrExcerpt(stderr)}`,
        {
          step: 'render',
          subject: context.appPath || '.',
          cause: error,
          hint: 'rebuild the toolchain (`npm run toolchain`)',
        },
      );
    }
    return undefined;
  };
}

/** Renders the app with the helper; resolves with its stdout (YAML, or JSON for jsonnet). */
export function runHelper(context: RenderContext, request: HelperRenderer): Promise<ToolOutput> {
  const { input, limits } = context;
  const title = `${request.renderer} render`;
  const body = {
    ...request,
    root: context.root,
    path: context.appPath,
    namespace: input.namespace,
    limits: {
      maxOutputBytes: limits.maxOutputBytes,
      maxMemoryBytes: limits.maxMemoryBytes,
      maxFiles: limits.maxFiles,
      maxReadBytes: limits.maxReadBytes,
    },
  };
  return withWorkDir((workDir) =>
    runTool({
      title,
      binary: input.tools.renderHelper,
      args: [],
      cwd: workDir,
      workDir,
      // Margin for the helper to report its own output limit before execFile's buffer limit cuts it.
      limits: { ...limits, maxOutputBytes: limits.maxOutputBytes + 1024 * 1024 },
      // Nothing to run: an empty PATH leaves kustomize's git cloner (and anything else) nothing to find.
      env: { PATH: '' },
      stdin: JSON.stringify(body),
      explain: explain(context, title),
    }),
  );
}
