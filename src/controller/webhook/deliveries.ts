/**
 * Replay protection of webhook deliveries: the ids of verified deliveries, kept for a while in a
 * bounded map (oldest dropped first), so the same delivery is acted on once. Pure apart from the
 * injected clock.
 */

/** Defaults: a day of ids, at most 10,000 of them (about 1 MB). */
export const DEFAULT_DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_DELIVERIES = 10_000;
/** Longer ids are not stored whole (every provider's id is a UUID or a 40-hex GUID). */
const MAX_ID_LENGTH = 128;

export interface DeliveryLogOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/** Remembers delivery ids (per provider) until they expire or the log is full. */
export class DeliveryLog {
  private readonly seenAt = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: DeliveryLogOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_DELIVERY_TTL_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_DELIVERIES);
    this.now = options.now ?? Date.now;
  }

  /** The key of a delivery id, or undefined when there is none to remember. */
  static keyOf(provider: string, id: string | undefined): string | undefined {
    const trimmed = id?.trim() ?? '';
    return trimmed === '' ? undefined : `${provider}:${trimmed.slice(0, MAX_ID_LENGTH)}`;
  }

  /** True when `key` was remembered and has not expired; otherwise remembers it now and returns false. */
  checkAndRemember(key: string): boolean {
    const now = this.now();
    this.expire(now);
    const at = this.seenAt.get(key);
    if (at !== undefined && now - at < this.ttlMs) return true;
    this.seenAt.delete(key);
    this.seenAt.set(key, now);
    while (this.seenAt.size > this.maxEntries) {
      const oldest = this.seenAt.keys().next().value;
      if (oldest === undefined) break;
      this.seenAt.delete(oldest);
    }
    return false;
  }

  /** Forgets `key`, so a sender's retry of a delivery that failed here is acted on. */
  forget(key: string): void {
    this.seenAt.delete(key);
  }

  get size(): number {
    return this.seenAt.size;
  }

  /** Entries are in insertion order, so expired ones are at the front. */
  private expire(now: number): void {
    for (const [key, at] of this.seenAt) {
      if (now - at < this.ttlMs) break;
      this.seenAt.delete(key);
    }
  }
}
