/**
 * What the controller does next for one app: a pure function of the app's state, the triggers that
 * arrived since its last turn, and the time. The controller performs the decision's effects (fetch and
 * sync, heal, status refresh, finalize) and consumes the report they return.
 */
import type { Application, ApplicationStatus, Trigger } from '../app/model.js';
import type { AppMemory } from './reconciler.js';

/** Everything the controller keeps about one app; removed whole when the Application is deleted. */
export interface AppState {
  /** The Application as the watch last delivered it (parsed). */
  app: Application;
  /** Its tracking label value (trackingNameOf). */
  trackingName: string;
  /** Triggers that arrived since the last turn. */
  triggers: Set<Trigger>;
  /** When the first of `triggers` arrived (monotonicNow()): a fetch begun after it is fresh enough. */
  triggeredAt?: number | undefined;
  /** Ids of managed objects the watch saw change since the last turn. */
  drifted: Set<string>;
  /** The health of a managed object moved since status was written. */
  healthChanged: boolean;
  /** The Ready status the watch last delivered (dependents are woken when it changes). */
  readySeen?: string | undefined;
  /** The request annotations already acted on (app/protocol.ts): only a new value is a new request. */
  seen: { sync?: string; rollback?: string; unpin?: string; refresh?: string; delivery?: string };
  /** A rollback asked for and not done yet: a commit or 'previous'. */
  rollbackTo?: string | undefined;
  unpinRequested: boolean;
  /** When the next poll is due (ms since the epoch). */
  nextPollAt?: number | undefined;
  /** What the reconciler remembers between syncs (plan, commit, failures, stall). */
  memory: AppMemory;
}

/** The triggers of one turn, taken from the state by `takePending`. */
export interface Pending {
  triggers: Set<Trigger>;
  triggeredAt?: number | undefined;
  drifted: Set<string>;
  healthChanged: boolean;
  rollbackTo?: string | undefined;
  unpin: boolean;
}

/** A dependency of the app as the controller knows it. */
export interface DependencyView {
  name: string;
  /** undefined: no such Application in the app's namespace. */
  ready?: { status: string | undefined; message: string | undefined } | undefined;
}

export type Decision =
  | { kind: 'finalize' }
  | { kind: 'suspended' }
  | { kind: 'wait-dependency'; message: string; retryInMs: number }
  | { kind: 'refresh-health' }
  | { kind: 'heal'; ids: Set<string> }
  | { kind: 'reconcile'; trigger: Trigger; rollbackTo?: string; unpin: boolean };

/** How often an app waiting for a dependency looks again (it is also woken when the dependency's Ready moves). */
export const DEPENDENCY_RECHECK_MS = 5_000;

/** A fresh state for an app the watch delivered for the first time. */
export function newAppState(app: Application, trackingName: string): AppState {
  return {
    app,
    trackingName,
    triggers: new Set(),
    drifted: new Set(),
    healthChanged: false,
    seen: {},
    unpinRequested: false,
    memory: { planned: new Map(), outOfSync: new Map(), failures: 0 },
  };
}

/** Takes the triggers of this turn out of the state (they are consumed whatever the decision). */
export function takePending(state: AppState): Pending {
  const pending: Pending = {
    triggers: state.triggers,
    triggeredAt: state.triggeredAt,
    drifted: state.drifted,
    healthChanged: state.healthChanged,
    rollbackTo: state.rollbackTo,
    unpin: state.unpinRequested,
  };
  state.triggers = new Set();
  state.triggeredAt = undefined;
  state.drifted = new Set();
  state.healthChanged = false;
  state.rollbackTo = undefined;
  state.unpinRequested = false;
  return pending;
}

/** The trigger a SyncRecord names when several arrived together: the one a person would ask about. */
export function pickTrigger(triggers: Set<Trigger>): Trigger {
  for (const t of ['manual', 'rollback', 'webhook', 'spec', 'dependency', 'drift', 'poll'] as const)
    if (triggers.has(t)) return t;
  return 'poll';
}

/** The first dependency that is not Ready, as a sentence; undefined when all are. Pure. */
export function unreadyDependency(dependencies: DependencyView[]): string | undefined {
  for (const dep of dependencies) {
    if (dep.ready?.status !== 'True')
      return `${dep.name} (${dep.ready === undefined ? 'not found' : (dep.ready.message ?? 'not Ready yet')})`;
  }
  return undefined;
}

/**
 * Decides one turn of one app. Pure: no I/O, no clock but `now`.
 * - a deleted app is finalized; a suspended one does nothing;
 * - an app whose dependency is not Ready waits (never Stalled) and looks again later;
 * - a turn with only a health change, before the next poll is due, of an app synced without failure,
 *   only refreshes status;
 * - a turn with only drift, of an app whose plan is known for the current spec, heals those objects;
 * - anything else is a full reconcile (with a rollback or unpin first when one was asked for).
 */
export function decide(
  state: Pick<AppState, 'app' | 'memory' | 'nextPollAt'>,
  pending: Pending,
  dependencies: DependencyView[],
  now: number,
): Decision {
  const { app, memory } = state;
  if (app.metadata.deletionTimestamp !== undefined) return { kind: 'finalize' };
  if (app.spec.suspend === true) return { kind: 'suspended' };
  const waitingFor = unreadyDependency(dependencies);
  if (waitingFor !== undefined)
    return {
      kind: 'wait-dependency',
      message: `waiting for dependency ${waitingFor}`,
      retryInMs: DEPENDENCY_RECHECK_MS,
    };
  const planKnown = memory.planned.size > 0;
  const healthOnly =
    pending.triggers.size === 0 &&
    pending.rollbackTo === undefined &&
    !pending.unpin &&
    pending.healthChanged &&
    (state.nextPollAt ?? 0) > now;
  if (healthOnly && planKnown && memory.failures === 0 && memory.stalledCommit === undefined)
    return { kind: 'refresh-health' };
  const onlyDrift =
    pending.triggers.size === 1 &&
    pending.triggers.has('drift') &&
    pending.rollbackTo === undefined &&
    !pending.unpin;
  if (onlyDrift && planKnown && memory.generation === app.metadata.generation)
    return { kind: 'heal', ids: pending.drifted };
  const triggers = pending.triggers.size === 0 ? new Set<Trigger>(['poll']) : pending.triggers;
  return {
    kind: 'reconcile',
    trigger: pickTrigger(triggers),
    ...(pending.rollbackTo === undefined ? {} : { rollbackTo: pending.rollbackTo }),
    unpin: pending.unpin,
  };
}

/** Why a fetched commit is not synced this turn (see `holdOf`). */
export type Hold = 'stalled' | 'unchanged' | 'rolled-back';

/**
 * Whether a reconcile that fetched `commit` stops before the engine. Pure. In order:
 * - 'stalled': the commit failed terminally at this generation and Project version (a manual sync retries);
 *   status already says why, so nothing is rebuilt (a rebuild without the failure would clear Stalled);
 * - 'unchanged': same commit, tree and generation after a poll or webhook, with no failure to retry;
 * - 'rolled-back': the commit was rolled back and nothing is pinned: automated sync never applies it again
 *   (a manual sync does).
 */
export function holdOf(input: {
  memory: AppMemory;
  status: ApplicationStatus | undefined;
  commit: string;
  treeHash: string;
  generation: number | undefined;
  projectVersion: string | undefined;
  trigger: Trigger;
}): Hold | undefined {
  const { memory, status, commit, trigger } = input;
  if (
    trigger !== 'manual' &&
    memory.stalledCommit === commit &&
    memory.generation === input.generation &&
    memory.stalledProject === input.projectVersion
  )
    return 'stalled';
  const sameContent =
    memory.commit === commit && memory.treeHash === input.treeHash && memory.generation === input.generation;
  if (sameContent && (trigger === 'poll' || trigger === 'webhook') && memory.failures === 0)
    return 'unchanged';
  if (
    trigger !== 'manual' &&
    status?.rolledBackRevision === commit &&
    status.sync?.pinnedRevision === undefined
  )
    return 'rolled-back';
  return undefined;
}
