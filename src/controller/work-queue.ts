/** The time source and timer the queue uses; injected so tests can move time by hand. */
export interface QueueTimers {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time. */
export const systemTimers: QueueTimers = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * A keyed work queue: each key is queued at most once (the earliest due time wins), a key is never
 * processed twice at once (a key added while processing runs again afterwards), and at most
 * `concurrency` keys are processed together.
 */
export class WorkQueue {
  private readonly due = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly again = new Map<string, number>();
  private timer: unknown;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly concurrency: number,
    private readonly timers: QueueTimers = systemTimers,
    /** Told, as a key starts, how long it waited after it was due (metrics). */
    private readonly onStart?: (waitedMs: number) => void,
  ) {}

  private now(): number {
    return this.timers.now();
  }

  /** Queue `key` to run after `delayMs` (or sooner, if it is already queued sooner). */
  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    const at = this.now() + Math.max(0, delayMs);
    if (this.processing.has(key)) {
      this.again.set(key, Math.min(this.again.get(key) ?? Infinity, at));
      return;
    }
    this.due.set(key, Math.min(this.due.get(key) ?? Infinity, at));
    this.pump();
  }

  /** Forget a key (its object was deleted). */
  remove(key: string): void {
    this.due.delete(key);
    this.again.delete(key);
  }

  /** When `key` is next due, if queued. */
  dueAt(key: string): number | undefined {
    return this.due.get(key) ?? this.again.get(key);
  }

  get size(): number {
    return this.due.size;
  }

  /** Keys due now and waiting for a worker, keys being processed, and keys waiting for their time. */
  counts(): { depth: number; active: number; scheduled: number } {
    const now = this.now();
    let depth = 0;
    for (const at of this.due.values()) if (at <= now) depth += 1;
    return { depth, active: this.processing.size, scheduled: this.due.size - depth + this.again.size };
  }

  /** Stop taking work; resolves when what is running has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private pump(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    let next = Infinity;
    for (const [key, at] of [...this.due.entries()].sort((a, b) => a[1] - b[1])) {
      if (this.processing.size >= this.concurrency) break;
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      this.due.delete(key);
      this.onStart?.(now - at);
      this.run(key);
    }
    if (next === Infinity) {
      for (const at of this.due.values()) next = Math.min(next, at);
    }
    if (next !== Infinity && this.processing.size < this.concurrency) {
      this.timer = this.timers.setTimeout(
        () => {
          this.pump();
        },
        Math.max(0, next - now),
      );
    }
  }

  private run(key: string): void {
    this.processing.add(key);
    void this.handler(key)
      .catch(() => undefined)
      .finally(() => {
        this.processing.delete(key);
        const again = this.again.get(key);
        if (again !== undefined) {
          this.again.delete(key);
          this.due.set(key, Math.min(this.due.get(key) ?? Infinity, again));
        }
        if (this.stopped && this.processing.size === 0) for (const resolve of this.idle) resolve();
        this.pump();
      });
  }
}

/** Exponential backoff: base * 2^(failures-1), capped, with ±10% jitter. Pure apart from Math.random. */
export function backoffMs(
  failures: number,
  baseMs = 1_000,
  maxMs = 300_000,
  random: () => number = Math.random,
): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.9 + 0.2 * random()));
}

/** The poll interval with up to +10% jitter, so apps polled together spread out. */
export function jittered(intervalMs: number, random: () => number = Math.random): number {
  return Math.round(intervalMs * (1 + 0.1 * random()));
}
