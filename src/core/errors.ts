/** Machine-readable error codes; the HTTP/CLI layers map these, nothing else does. */
export type ErrorCode =
  | 'PREREQUISITE_MISSING'
  | 'TOOLCHAIN_BUILD_FAILED'
  | 'PROCESS_FAILED'
  | 'TIMEOUT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  /** Git could not fetch, resolve or export (unreachable host, bad credentials, unknown ref). */
  | 'SOURCE_FAILED'
  /** A URL, ref or path that Mooring refuses on purpose (ext:: transport, option-like ref, path escape). */
  | 'UNSAFE_INPUT'
  /** A revision whose signature is missing, bad, or by a key that is not trusted (spec.source.verify). */
  | 'UNVERIFIED_SOURCE'
  /** A renderer (kustomize, helm, jsonnet) failed or exceeded its limits. */
  | 'RENDER_FAILED'
  /** A manifest that is not a valid object (bad YAML, missing kind, duplicate). */
  | 'INVALID_MANIFEST'
  /** The plan refused to go on (prune safety brake, policy). */
  | 'PLAN_REFUSED'
  /** The Kubernetes API answered with an error. */
  | 'API_ERROR'
  /** Objects did not become healthy in time. */
  | 'HEALTH_TIMEOUT'
  /** An API request without a valid identity (no, unknown or expired token). */
  | 'UNAUTHENTICATED'
  /** An API request whose identity Kubernetes RBAC does not allow to do it. */
  | 'FORBIDDEN'
  /** An OCI registry could not be reached, refused the credentials, rate-limited, or answered malformed data. */
  | 'REGISTRY_FAILED';

/** The pipeline stage an error happened in, for status and messages. */
export type Step =
  'source' | 'render' | 'plan' | 'validate' | 'diff' | 'apply' | 'hook' | 'prune' | 'wait' | 'inventory';

/**
 * How a failure is retried, decided where the error is understood:
 * - `terminal`: retrying the same commit and spec cannot help (bad YAML, an object the API server rejects,
 *   a Project refusal); the app is Stalled until a new commit, spec or Project.
 * - `transient`: worth retrying with backoff (5xx, timeouts, an admission webhook down, conflicts).
 * - `waiting`: something else has to happen first (a dependency, a namespace another app creates); retried
 *   without giving up, never Stalled.
 */
export type RetryClass = 'terminal' | 'transient' | 'waiting';

export interface MooringErrorOptions {
  /** What the user can do about it, in one sentence. */
  hint?: string | undefined;
  cause?: unknown;
  /** Which stage failed. */
  step?: Step | undefined;
  /** Which object, as `Kind/namespace/name`. */
  subject?: string | undefined;
  /** How the failure is retried (default: by code, see retryClassOfCode). */
  retry?: RetryClass | undefined;
}

/** Base class of every error Mooring raises on purpose: a code, a message, an optional hint and cause. */
export class MooringError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly step: Step | undefined;
  readonly subject: string | undefined;
  readonly retry: RetryClass;

  constructor(code: ErrorCode, message: string, options: MooringErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MooringError';
    this.code = code;
    this.hint = options.hint;
    this.step = options.step;
    this.subject = options.subject;
    this.retry = options.retry ?? retryClassOfCode(code);
  }
}

/** The retry class of an error code when the thrower said nothing more precise. Pure. */
export function retryClassOfCode(code: ErrorCode): RetryClass {
  return TERMINAL_CODES.has(code) ? 'terminal' : 'transient';
}

/** Codes that say the input itself is wrong: the same commit and spec fail the same way again. */
const TERMINAL_CODES = new Set<ErrorCode>([
  'INVALID_ARGUMENT',
  'UNSAFE_INPUT',
  'UNVERIFIED_SOURCE',
  'RENDER_FAILED',
  'INVALID_MANIFEST',
  'PLAN_REFUSED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

/** The retry class of anything thrown: a MooringError's own, otherwise transient (unknown trouble). Pure. */
export function retryClassOf(error: unknown): RetryClass {
  return error instanceof MooringError ? error.retry : 'transient';
}

/** The message of anything thrown, for logs and user-facing output. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
