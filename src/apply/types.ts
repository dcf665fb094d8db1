import type { DiffAction, DriftedField, ObjectDiff } from '../diff/object-diff.js';
import type { KubeObject } from '../core/objects.js';
import type { RetryClass } from '../core/errors.js';
import type { Phase, PlannedObject } from '../plan/types.js';

/** What happened to one object in a sync (or would happen, in a diff). */
export type ObjectAction =
  | 'created'
  | 'configured'
  | 'unchanged'
  | 'recreated'
  | 'pruned'
  | 'orphaned'
  | 'skipped'
  | 'failed'
  | 'hook-succeeded'
  | 'hook-failed';

/** One entry of a change set: feeds status, events, logs, metrics and the CLI's table. */
export interface ObjectOutcome {
  subject: string;
  id: string;
  action: ObjectAction;
  phase: Phase;
  wave: number;
  /** Why it failed or was skipped; the server's message for API errors. */
  message?: string;
  drift?: DriftedField[];
  /** For a failed object: how its failure is retried. Not recorded. */
  retry?: RetryClass;
}

/** The validated form of one planned object: its dry-run result and what applying it would do. */
export interface ValidatedObject {
  planned: PlannedObject;
  live: KubeObject | undefined;
  /** Absent when validation was deferred (kind or namespace created by this sync) or skipped. */
  dryRun?: KubeObject;
  diff?: ObjectDiff;
  /** Immutable fields changed and the object opts into delete-and-recreate. */
  recreate?: boolean;
  /** Apply with force: the object asks for it, or the only conflicts are with kubectl-style (Update) managers. */
  force?: boolean;
}

export type { DiffAction };
