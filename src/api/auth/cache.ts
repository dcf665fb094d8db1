/**
 * A small time-limited cache for authentication and authorisation answers. Keys are hashes (a token is
 * never a key, never kept); entries expire after their time to live; beyond `maxEntries` the oldest go
 * first. Concurrent look-ups of one key share one pending answer. The clock is injected.
 */
import { createHash } from 'node:crypto';

/** A SHA-256 of a secret (a bearer token), as a cache key: the secret itself is never stored. Pure. */
export function secretKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export interface ExpiringCacheOptions {
  maxEntries: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class ExpiringCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly pending = new Map<string, Promise<{ value: V; ttlMs: number }>>();
  private readonly now: () => number;

  constructor(private readonly options: ExpiringCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached value, if any and not expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  /**
   * The cached value, or the one `load` resolves to (kept for the ttl it says). A failed load is not
   * cached; callers waiting on it see the failure.
   */
  async getOrLoad(key: string, load: () => Promise<{ value: V; ttlMs: number }>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let inFlight = this.pending.get(key);
    if (inFlight === undefined) {
      inFlight = load().finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    const loaded = await inFlight;
    this.set(key, loaded.value, loaded.ttlMs);
    return loaded.value;
  }

  get size(): number {
    return this.entries.size;
  }
}
