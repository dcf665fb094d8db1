import type { RetryClass } from '../core/errors.js';
import type { SyncFailure } from '../engine/types.js';

export type { RetryClass };

/** Steps whose failure, when the thrower gave no class, will not go away by retrying the same commit. */
const TERMINAL_STEPS = new Set(['render', 'plan', 'validate']);

/**
 * The retry class of a failure: the one set where the error was understood, otherwise by step
 * (render, plan and validate terminal; 'wait' waiting; anything else transient). Pure.
 */
export function retryClassOfFailure(failure: SyncFailure): RetryClass {
  if (failure.retry !== undefined) return failure.retry;
  if (failure.step === 'wait') return 'waiting';
  return TERMINAL_STEPS.has(failure.step) ? 'terminal' : 'transient';
}

/** Only a terminal failure stalls an app (until a new commit, spec or Project). Pure. */
export function isTerminal(failure: SyncFailure | undefined): boolean {
  return failure !== undefined && retryClassOfFailure(failure) === 'terminal';
}

/** Whether the app waits for something else to happen first (never Stalled, retried without limit). Pure. */
export function isWaiting(failure: SyncFailure | undefined): boolean {
  return failure !== undefined && retryClassOfFailure(failure) === 'waiting';
}

/**
 * When to look again at an app that waits (a dependency, a namespace another app creates): 2 s doubling up
 * to 30 s, and never later than its poll interval. Never gives up. Pure.
 */
export function waitingDelayMs(attempt: number, intervalMs: number): number {
  return Math.min(intervalMs, 30_000, 2_000 * 2 ** Math.min(10, Math.max(0, attempt - 1)));
}
