/**
 * The list query: filters (project, namespace, cluster, sync, health, label selector, text), sort, and
 * keyset pagination with an opaque cursor. The cursor names the last item returned (its sort value,
 * namespace and name) and the query it belongs to, so a page boundary survives apps added or removed
 * between pages, and a cursor is refused with another query. Pure.
 */
import { createHash } from 'node:crypto';

import { MooringError } from '../../core/errors.js';
import { matchesSelector, parseLabelSelector } from './label-selector.js';
import type { Requirement } from './label-selector.js';
import type { ApplicationSummary, IndexedApplication } from './summary.js';

export const SORT_KEYS = [
  'name',
  'namespace',
  'project',
  'cluster',
  'sync',
  'health',
  'lastSync',
  'drift',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** A parsed, validated list query. */
export interface ListQuery {
  projects?: Set<string>;
  namespaces?: Set<string>;
  clusters?: Set<string>;
  syncs?: Set<string>;
  healths?: Set<string>;
  selector?: Requirement[];
  /** Lower-case substring of name, namespace, project, repository or path. */
  text?: string;
  sort: SortKey;
  descending: boolean;
  limit: number;
  after?: CursorPosition;
}

/** Where a page ended. */
export interface CursorPosition {
  value: string | number;
  namespace: string;
  name: string;
}

/** The query parameters of GET /api/v1/applications, as strings. */
export interface ListParams {
  project?: string;
  namespace?: string;
  cluster?: string;
  sync?: string;
  health?: string;
  selector?: string;
  text?: string;
  sort?: string;
  limit?: string;
  continue?: string;
}

const LIST_PARAM_NAMES = [
  'project',
  'namespace',
  'cluster',
  'sync',
  'health',
  'selector',
  'text',
  'sort',
  'limit',
  'continue',
] as const;

function bad(message: string, hint: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', message, { hint });
}

function setOf(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === '') return undefined;
  return new Set(
    value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  );
}

/** The hash a cursor is bound to: every parameter but `limit` and `continue`. */
function queryHash(params: ListParams): string {
  const bound = LIST_PARAM_NAMES.filter((n) => n !== 'limit' && n !== 'continue').map((n) => params[n] ?? '');
  return createHash('sha256').update(JSON.stringify(bound)).digest('base64url').slice(0, 16);
}

/** The opaque `continue` token after `last`. Pure. */
export function encodeCursor(params: ListParams, query: ListQuery, last: ApplicationSummary): string {
  const position: [string, string | number, string, string] = [
    queryHash(params),
    sortValue(last, query.sort),
    last.namespace,
    last.name,
  ];
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor(params: ListParams, token: string): CursorPosition {
  const refused = bad(
    'the continue token is not valid for this query',
    'start again without `continue`, and pass the same filters and sort with each page',
  );
  if (token.length > 2048) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) throw refused;
  const [hash, value, namespace, name] = decoded as unknown[];
  if (hash !== queryHash(params)) throw refused;
  if (
    (typeof value !== 'string' && typeof value !== 'number') ||
    typeof namespace !== 'string' ||
    typeof name !== 'string'
  )
    throw refused;
  return { value, namespace, name };
}

/** Parses and validates the query parameters; throws INVALID_ARGUMENT saying which is wrong. Pure. */
export function parseListQuery(params: ListParams): ListQuery {
  const sortParam = params.sort ?? 'namespace';
  const descending = sortParam.startsWith('-');
  const sort = (descending ? sortParam.slice(1) : sortParam) as SortKey;
  if (!SORT_KEYS.includes(sort))
    throw bad(
      `unknown sort "${sortParam.slice(0, 40)}"`,
      `sort by one of ${SORT_KEYS.join(', ')} (prefix - for descending)`,
    );
  let limit = DEFAULT_LIMIT;
  if (params.limit !== undefined) {
    limit = Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw bad(`limit must be a whole number from 1 to ${MAX_LIMIT}`, `e.g. limit=${DEFAULT_LIMIT}`);
  }
  const text = params.text?.trim().toLowerCase();
  if (text !== undefined && text.length > 256)
    throw bad('text is longer than 256 characters', 'search for less');
  const query: ListQuery = { sort, descending, limit };
  const sets = {
    projects: setOf(params.project),
    namespaces: setOf(params.namespace),
    clusters: setOf(params.cluster),
    syncs: setOf(params.sync),
    healths: setOf(params.health),
  };
  for (const [key, value] of Object.entries(sets))
    if (value !== undefined) query[key as keyof typeof sets] = value;
  if (params.selector !== undefined && params.selector !== '')
    query.selector = parseLabelSelector(params.selector);
  if (text !== undefined && text !== '') query.text = text;
  if (params.continue !== undefined && params.continue !== '')
    query.after = decodeCursor(params, params.continue);
  return query;
}

/** The value an app sorts by. Pure. */
export function sortValue(summary: ApplicationSummary, key: SortKey): string | number {
  switch (key) {
    case 'name':
      return summary.name;
    case 'namespace':
      return summary.namespace;
    case 'project':
      return summary.project;
    case 'cluster':
      return summary.cluster;
    case 'sync':
      return summary.sync;
    case 'health':
      return summary.health;
    case 'lastSync':
      return summary.lastSync ?? '';
    case 'drift':
      return summary.driftCount;
  }
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The order of a sort key: by its value (reversed when descending), then namespace, then name (always
 * ascending, so the order is total and a cursor position is exact). Pure.
 */
export function comparePositions(
  key: SortKey,
  descending: boolean,
  a: CursorPosition,
  b: CursorPosition,
): number {
  const byValue = compareValues(a.value, b.value);
  if (byValue !== 0) return descending ? -byValue : byValue;
  return compareValues(a.namespace, b.namespace) || compareValues(a.name, b.name);
}

/** The position of an app under a sort key. Pure. */
export function positionOf(summary: ApplicationSummary, key: SortKey): CursorPosition {
  return { value: sortValue(summary, key), namespace: summary.namespace, name: summary.name };
}

/** Whether an app passes the query's filters (and the namespaces the caller may list). Pure. */
export function matches(
  entry: IndexedApplication,
  query: ListQuery,
  visible: ReadonlySet<string> | 'all',
): boolean {
  const s = entry.summary;
  if (visible !== 'all' && !visible.has(s.namespace)) return false;
  if (query.namespaces !== undefined && !query.namespaces.has(s.namespace)) return false;
  if (query.projects !== undefined && !query.projects.has(s.project)) return false;
  if (query.clusters !== undefined && !query.clusters.has(s.cluster)) return false;
  if (query.syncs !== undefined && !query.syncs.has(s.sync)) return false;
  if (query.healths !== undefined && !query.healths.has(s.health)) return false;
  if (query.text !== undefined && !entry.searchText.includes(query.text)) return false;
  if (query.selector !== undefined && !matchesSelector(query.selector, entry.labels)) return false;
  return true;
}
