/**
 * Coalesces identical work (a fetch and ref resolution of one repository, ref and credential) so that every
 * caller gets a result from a run that started after it asked — never an older answer — while callers who
 * arrive during a run share the next one. A fleet of apps on one repository then costs one `git fetch` per
 * fetch time, not one per app.
 *
 * A caller may say since when its answer must be fresh (`since`: when its trigger arrived — a webhook after
 * the push, a poll when it fell due): then a run under way or the last finished run that started after that
 * moment answers it too, as no newer fetch could tell it anything its trigger asked about.
 */
import { performance } from 'node:perf_hooks';

/** A monotonic clock (ms): what `since` is measured on (wall-clock jumps would make an old run look new). */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/** How many keys' last results are kept for `since` callers. */
const LAST_KEPT = 256;

export class FreshFlights<T> {
  private readonly slots = new Map<
    string,
    { running?: Promise<T>; runningSince?: number; next?: Promise<T> }
  >();
  /** The last successful run of each key and when it started. */
  private readonly last = new Map<string, { startedAt: number; value: T }>();

  constructor(private readonly now: () => number = monotonicNow) {}

  run(key: string, work: () => Promise<T>, since?: number): Promise<T> {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = {};
      this.slots.set(key, slot);
    }
    const current = slot;
    if (since !== undefined) {
      // Strictly after: a run that started in the same instant as the trigger may have missed it.
      if (current.running !== undefined && (current.runningSince ?? -Infinity) > since)
        return current.running;
      const last = this.last.get(key);
      if (last !== undefined && last.startedAt > since) return Promise.resolve(last.value);
    }
    if (current.next !== undefined) return current.next;
    const start = (): Promise<T> => {
      const startedAt = this.now();
      current.runningSince = startedAt;
      const flight = work();
      flight.then(
        (value) => {
          const before = this.last.get(key);
          if (before === undefined || before.startedAt < startedAt) {
            this.last.delete(key);
            this.last.set(key, { startedAt, value });
            if (this.last.size > LAST_KEPT) {
              const oldest = this.last.keys().next().value;
              if (oldest !== undefined) this.last.delete(oldest);
            }
          }
        },
        () => undefined,
      );
      return flight;
    };
    const settle = (flight: Promise<T>): void => {
      const done = (): void => {
        if (current.running === flight) {
          delete current.running;
          delete current.runningSince;
        }
        if (current.running === undefined && current.next === undefined && this.slots.get(key) === current)
          this.slots.delete(key);
      };
      flight.then(done, done);
    };
    if (current.running === undefined) {
      const flight = start();
      current.running = flight;
      settle(flight);
      return flight;
    }
    const previous = current.running;
    const flight: Promise<T> = previous
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        current.running = flight;
        delete current.next;
        return start();
      });
    current.next = flight;
    settle(flight);
    return flight;
  }
}
