import type { KubeObject } from '../core/objects.js';
import { isRecord } from '../core/objects.js';
import type { FieldPath } from './changes.js';

/** A field manager recorded in managedFields. */
export interface FieldOwner {
  manager: string;
  operation: string;
  /** When that manager last changed its fields (ISO 8601), if recorded. */
  time?: string;
  subresource?: string;
}

/** One entry of metadata.managedFields. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/**
 * Which managers own `path` of `live`, according to its managedFields (fieldsV1 sets: `f:name` for fields,
 * `k:{...}` for list items by key, `v:value` for set items, `i:n` for atomic lists). A manager that owns an
 * ancestor as a whole (a leaf set higher up) owns the path too. Pure.
 */
export function ownersOf(live: KubeObject, path: FieldPath): FieldOwner[] {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const owners: FieldOwner[] = [];
  for (const entry of entries) {
    if (entry.manager === undefined || !ownsPath(entry.fieldsV1, live, path)) continue;
    owners.push({
      manager: entry.manager,
      operation: entry.operation ?? 'Unknown',
      ...(entry.time === undefined ? {} : { time: entry.time }),
      ...(entry.subresource === undefined ? {} : { subresource: entry.subresource }),
    });
  }
  return owners;
}

function ownsPath(fields: unknown, live: unknown, path: FieldPath): boolean {
  let set: unknown = fields;
  let value: unknown = live;
  for (const part of path) {
    if (!isRecord(set)) return false;
    // An empty set at this level owns the whole field (a leaf or an atomic value).
    if (Object.keys(set).length === 0 || (Object.keys(set).length === 1 && '.' in set)) return true;
    const key = setKeyFor(set, value, part);
    if (key === undefined) return false;
    set = set[key];
    value = Array.isArray(value)
      ? value[part as number]
      : isRecord(value)
        ? value[part as string]
        : undefined;
  }
  return isRecord(set);
}

function setKeyFor(
  set: Record<string, unknown>,
  container: unknown,
  part: string | number,
): string | undefined {
  if (typeof part === 'string') return `f:${part}` in set ? `f:${part}` : undefined;
  if (!Array.isArray(container)) return undefined;
  const item: unknown = container[part];
  if (`i:${part}` in set) return `i:${part}`;
  for (const key of Object.keys(set)) {
    if (key.startsWith('k:') && isRecord(item) && keyMatches(key.slice(2), item)) return key;
    if (key.startsWith('v:') && JSON.stringify(item) === key.slice(2)) return key;
  }
  return undefined;
}

function keyMatches(keyJson: string, item: Record<string, unknown>): boolean {
  try {
    const key = JSON.parse(keyJson) as Record<string, unknown>;
    return Object.entries(key).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
  } catch {
    return false;
  }
}
