/**
 * Render cache: a render is a pure function of the app's content (its git tree hash), the renderer
 * options and the tool versions, so the same key means the same objects and no tool needs to run.
 */
import { createHash } from 'node:crypto';

import type { RenderInput, RenderResult } from './types.js';

/** JSON with object keys sorted at every level and undefined fields dropped: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
    return `{${entries.join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/**
 * The cache key of a render: sha256 (hex) over the app path, namespace, renderer options, tool versions
 * and the caller's content key (the git tree hash of the app's source). The checkout root and tool
 * paths are left out on purpose: the same content renders the same wherever it is checked out.
 */
export function renderCacheKey(
  input: Pick<RenderInput, 'path' | 'namespace' | 'options'>,
  toolVersions: Record<string, string>,
  contentKey: string,
): string {
  const material = canonicalJson({
    format: 1,
    path: input.path,
    namespace: input.namespace,
    options: input.options,
    toolVersions,
    contentKey,
  });
  return createHash('sha256').update(material).digest('hex');
}

/**
 * A small least-recently-used cache of render results. Results are copied in and out, so callers that
 * add labels or defaults to the objects they got cannot change what the next caller sees.
 */
export class RenderCache {
  private readonly entries = new Map<string, RenderResult>();
  private lookups = { hits: 0, misses: 0 };

  constructor(private readonly maxEntries = 100) {
    if (maxEntries < 1) throw new RangeError('RenderCache needs room for at least one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Lookups so far: a miss is a render to come (benchmarks and tests read it). */
  get stats(): { hits: number; misses: number } {
    return { ...this.lookups };
  }

  get(key: string): RenderResult | undefined {
    const found = this.entries.get(key);
    if (found === undefined) {
      this.lookups.misses += 1;
      return undefined;
    }
    this.lookups.hits += 1;
    // Re-inserting moves the key to the end: Map iteration order is the recency order.
    this.entries.delete(key);
    this.entries.set(key, found);
    return structuredClone(found);
  }

  set(key: string, result: RenderResult): void {
    this.entries.delete(key);
    this.entries.set(key, structuredClone(result));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}
