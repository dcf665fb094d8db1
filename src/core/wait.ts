import { MooringError } from './errors.js';

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  what: string;
}

/**
 * Calls `check` until it returns a value other than undefined, or throws a TIMEOUT error that says what
 * was awaited and the last reason `check` gave (via `lastReason`).
 */
export async function pollUntil<T>(
  check: (note: (reason: string) => void) => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  let lastReason = 'not ready yet';
  const note = (reason: string): void => {
    lastReason = reason;
  };
  for (;;) {
    const value = await check(note);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new MooringError(
        'TIMEOUT',
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}: ${lastReason}`,
      );
    }
    await sleep(interval);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
