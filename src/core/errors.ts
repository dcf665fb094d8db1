/** Machine-readable error codes; the HTTP/CLI layers map these, nothing else does. */
export type ErrorCode =
  | 'PREREQUISITE_MISSING'
  | 'TOOLCHAIN_BUILD_FAILED'
  | 'PROCESS_FAILED'
  | 'TIMEOUT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT';

export interface MooringErrorOptions {
  /** What the user can do about it, in one sentence. */
  hint?: string | undefined;
  cause?: unknown;
}

/** Base class of every error Mooring raises on purpose: a code, a message, an optional hint and cause. */
export class MooringError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: MooringErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MooringError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** The message of anything thrown, for logs and user-facing output. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
