import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

import type { KubeObject } from '../core/objects.js';
import type { FieldChange } from './changes.js';
import { fieldChanges, formatPath } from './changes.js';
import { maskSecretPair } from './mask.js';
import { normalizeForCompare } from './normalize.js';
import type { FieldOwner } from './ownership.js';
import { ownersOf } from './ownership.js';

export type DiffAction = 'create' | 'change' | 'unchanged';

/** A field of a live object that differs from Git, and who changed it (from managedFields). */
export interface DriftedField {
  /** e.g. spec.replicas */
  path: string;
  /** Managers other than Mooring that own the live value; empty if nobody does (a field removed by someone). */
  changedBy: FieldOwner[];
}

export interface ObjectDiff {
  action: DiffAction;
  /** Field-level changes that applying would make (live -> desired), Secret values masked. */
  changes: { path: string; before: unknown; after: unknown }[];
  /** For an existing object: the changed fields with their owners (drift attribution). */
  drift: DriftedField[];
}

/**
 * Compares the live object with the server-side-apply dry-run of the desired one. Both passed through the
 * same server, so defaults and webhooks are equal on both sides and fields owned by others are untouched by
 * the dry-run: what differs is exactly what applying would change. Pure.
 */
export function diffObject(
  live: KubeObject | undefined,
  dryRun: KubeObject,
  fieldManager: string,
): ObjectDiff {
  const after = normalizeForCompare(dryRun);
  if (live === undefined) return { action: 'create', changes: [], drift: [] };
  const before = normalizeForCompare(live);
  const changes = fieldChanges(before, after);
  if (changes.length === 0) return { action: 'unchanged', changes: [], drift: [] };
  return {
    action: 'change',
    changes: maskChanges(live.kind, changes),
    drift: changes.map((c) => ({
      path: formatPath(c.path),
      changedBy: ownersOf(live, c.path).filter((o) => o.manager !== fieldManager),
    })),
  };
}

function maskChanges(kind: string, changes: FieldChange[]): ObjectDiff['changes'] {
  const secret = kind === 'Secret';
  return changes.map((c) => {
    const hidden = secret && (c.path[0] === 'data' || c.path[0] === 'stringData');
    return {
      path: formatPath(c.path),
      before: hidden && c.before !== undefined ? '*** (hidden)' : c.before,
      after: hidden && c.after !== undefined ? '*** (hidden, changed)' : c.after,
    };
  });
}

/**
 * A unified YAML diff between live and desired (dry-run) for people; Secret values masked. `labels` name the
 * two sides (default live/git; the API's diff between two revisions says from/to). Pure.
 */
export function unifiedDiff(
  subject: string,
  live: KubeObject | undefined,
  dryRun: KubeObject | undefined,
  labels: readonly [string, string] = ['live', 'git'],
): string {
  const [before, after] = maskSecretPair(
    live === undefined ? undefined : normalizeForCompare(live),
    dryRun === undefined ? undefined : normalizeForCompare(dryRun),
  );
  const text = (obj: KubeObject | undefined): string =>
    obj === undefined ? '' : stringify(obj, { sortMapEntries: true });
  return createTwoFilesPatch(
    `${labels[0]}/${subject}`,
    `${labels[1]}/${subject}`,
    text(before),
    text(after),
    '',
    '',
    {
      context: 3,
    },
  )
    .split('\n')
    .slice(1) // the "Index:"/"====" header is noise
    .join('\n')
    .replace(/^=+\n/, '');
}
