/**
 * The two diffs the API serves for one app (pure shapes and functions; the I/O is controller/preview.ts):
 *  - live vs the target revision: the engine's dry-run (the same ownership-aware diff as `mooring diff`),
 *    turned into JSON with every Secret value masked;
 *  - desired vs desired between two revisions (history entries or commits): per object added, removed or
 *    changed, field by field and as a unified YAML diff, Secret values masked (a changed value shows as a
 *    different mask, never as itself).
 */
import type { ObjectOutcome } from '../apply/types.js';
import type { KubeObject } from '../core/objects.js';
import { fieldChanges, formatPath } from '../diff/changes.js';
import { maskSecretPair, maskSecretsDeep } from '../diff/mask.js';
import { normalizeForCompare } from '../diff/normalize.js';
import type { DriftedField } from '../diff/object-diff.js';
import { unifiedDiff } from '../diff/object-diff.js';
import type { SyncFailure, SyncResult } from '../engine/types.js';

/** One field that differs; Secret values are masks. */
export interface FieldDiff {
  path: string;
  before: unknown;
  after: unknown;
}

/** What the engine's dry-run says about one object, with its diff when it would change. */
export interface LiveObjectDiff {
  id: string;
  subject: string;
  changes: FieldDiff[];
  drift: DriftedField[];
  /** Unified YAML diff live → git, Secret values masked. */
  unified: string;
}

/** `GET .../diff`: the live cluster vs the app's target revision. */
export interface LiveDiff {
  app: string;
  revision?: { sha: string; subject: string; author: string };
  /** One entry per object: what a sync would do (create, configure, unchanged, prune, ...). */
  outcomes: ObjectOutcome[];
  /** The objects that would change, field by field. */
  diffs: LiveObjectDiff[];
  warnings: string[];
  error?: SyncFailure;
  rejected?: SyncFailure[];
  stats: SyncResult['stats'];
}

/** An object as one revision renders it (planned: namespace defaulted, tracking set). */
export interface DesiredObject {
  id: string;
  subject: string;
  object: KubeObject;
}

export type RevisionChange = 'added' | 'removed' | 'changed';

export interface RevisionObjectDiff {
  id: string;
  subject: string;
  action: RevisionChange;
  /** Field changes of a changed object (empty for added/removed: the unified diff shows it whole). */
  changes: FieldDiff[];
  unified: string;
}

/** One side of a diff between revisions. */
export interface RevisionSide {
  revision: string;
  /** The SyncRecord the revision was taken from, when it was named by one. */
  record?: string;
  subject?: string;
  author?: string;
}

/** `GET .../diff?from=&to=`: what changed in the desired state between two revisions. */
export interface RevisionDiff {
  from: RevisionSide;
  to: RevisionSide;
  objects: RevisionObjectDiff[];
  counts: { added: number; removed: number; changed: number; unchanged: number };
}

/** The live diff of an engine dry-run, every Secret value masked. Pure. */
export function liveDiffOf(result: SyncResult): LiveDiff {
  const diffs = result.validated
    .filter((v) => v.diff?.action === 'change')
    .map((v) => ({
      id: v.planned.id,
      subject: `${v.planned.ref.kind}/${v.planned.ref.namespace}/${v.planned.ref.name}`,
      changes: v.diff?.changes ?? [],
      drift: v.diff?.drift ?? [],
      unified:
        v.dryRun === undefined
          ? ''
          : unifiedDiff(
              `${v.planned.ref.kind}/${v.planned.ref.namespace}/${v.planned.ref.name}`,
              v.live,
              v.dryRun,
            ),
    }));
  const revision = result.revision;
  const out: LiveDiff = {
    app: result.appName,
    ...(revision === undefined
      ? {}
      : { revision: { sha: revision.sha, subject: revision.subject, author: revision.authorName } }),
    outcomes: result.outcomes,
    diffs,
    warnings: result.warnings,
    ...(result.error === undefined ? {} : { error: result.error }),
    ...(result.rejected === undefined ? {} : { rejected: result.rejected }),
    stats: result.stats,
  };
  return maskSecretsDeep(out) as LiveDiff;
}

function changedFields(before: KubeObject, after: KubeObject): FieldDiff[] {
  const [maskedBefore, maskedAfter] = maskSecretPair(normalizeForCompare(before), normalizeForCompare(after));
  return fieldChanges(maskedBefore, maskedAfter).map((c) => ({
    path: formatPath(c.path),
    before: c.before,
    after: c.after,
  }));
}

/**
 * Desired vs desired, per object by id (added, removed, changed), sorted by subject; unchanged objects are
 * only counted. Secret values are masked in the field changes and in the unified diff. Pure.
 */
export function diffDesired(
  from: readonly DesiredObject[],
  to: readonly DesiredObject[],
): Pick<RevisionDiff, 'objects' | 'counts'> {
  const before = new Map(from.map((o) => [o.id, o]));
  const after = new Map(to.map((o) => [o.id, o]));
  const objects: RevisionObjectDiff[] = [];
  let unchanged = 0;
  const labels = ['from', 'to'] as const;
  for (const [id, old] of before) {
    const next = after.get(id);
    if (next === undefined) {
      objects.push({
        id,
        subject: old.subject,
        action: 'removed',
        changes: [],
        unified: unifiedDiff(old.subject, old.object, undefined, labels),
      });
      continue;
    }
    const changes = changedFields(old.object, next.object);
    if (changes.length === 0) {
      unchanged += 1;
      continue;
    }
    objects.push({
      id,
      subject: next.subject,
      action: 'changed',
      changes,
      unified: unifiedDiff(next.subject, old.object, next.object, labels),
    });
  }
  for (const [id, added] of after) {
    if (before.has(id)) continue;
    objects.push({
      id,
      subject: added.subject,
      action: 'added',
      changes: [],
      unified: unifiedDiff(added.subject, undefined, added.object, labels),
    });
  }
  objects.sort((a, b) => a.subject.localeCompare(b.subject));
  const count = (action: RevisionChange): number => objects.filter((o) => o.action === action).length;
  return {
    objects,
    counts: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged },
  };
}
