import type { RetryClass, Step } from '../core/errors.js';
import type { ObjectOutcome, ValidatedObject } from '../apply/types.js';
import type { HealthResult } from '../health/types.js';
import type { InventoryEntry, PlannedObject } from '../plan/types.js';
import type { RenderOptions } from '../render/types.js';
import type { CommitInfo } from '../source/types.js';

/** A source already on disk: a checkout root and the app's path in it. */
export interface LocalSource {
  root: string;
  path: string;
  /** Present when the source came from Git. */
  commit?: CommitInfo;
  /** The repository shown to people (no credentials). */
  displayURL?: string;
  /** Git tree hash of the whole checkout at the commit: the render cache's content key. */
  rootTreeHash?: string;
}

export interface SyncRequest {
  appName: string;
  source: LocalSource;
  renderOptions: RenderOptions;
  /** Default namespace for namespaced objects, Helm's release namespace, and where push mode keeps its inventory. */
  namespace: string;
  /** Create `namespace` if it does not exist. */
  createNamespace: boolean;
  prune: boolean;
  /** Refuse a sync that would prune more than this fraction of the app's objects (default 0.5). */
  pruneThreshold: number;
  allowMassPrune: boolean;
  /** Validate and diff only; write nothing. */
  dryRun: boolean;
  /** After applying, wait until every object is healthy. */
  wait: boolean;
  /** For each wait: between waves, for hooks, and --wait (ms). */
  timeoutMs: number;
  concurrency: number;
  /**
   * Dry run only: false leaves hooks out of the report (they run on every sync, so they are not part of
   * the steady state and would always read "would create"). Default true.
   */
  includeHooks?: boolean;
}

/** Where and why a sync stopped. */
export interface SyncFailure {
  step: Step;
  message: string;
  subject?: string;
  hint?: string;
  /**
   * How it is retried (set where the error was understood; see RetryClass). Absent: by step, see
   * retryClassOfFailure in src/app/retry.ts.
   */
  retry?: RetryClass;
  /** The Ready and Synced conditions' reason, when more telling than `<Step>Failed` (e.g. ProjectRefused). */
  reason?: string;
}

export interface SyncResult {
  appName: string;
  revision?: CommitInfo;
  dryRun: boolean;
  outcomes: ObjectOutcome[];
  /** Validated objects with their diffs (for `diff` output). */
  validated: ValidatedObject[];
  inventory: InventoryEntry[];
  /** Every object of the plan, in apply order (present once planning succeeded). */
  planned?: PlannedObject[];
  warnings: string[];
  health?: HealthResult;
  error?: SyncFailure;
  /** Every rejected object when validation failed (nothing was written). */
  rejected?: SyncFailure[];
  /** Objects refused because another application tracks them: the owner should hear of it too. */
  conflicts?: { subject: string; owner: string }[];
  /**
   * Requests of this sync. `hookWrites` is the part of `writes` that running hooks made (they run on every
   * sync, by design); `writes - hookWrites` is what the steady state cost: 0 for an unchanged re-apply.
   */
  stats: { requests: Record<string, number>; writes: number; hookWrites?: number; durationMs: number };
}
