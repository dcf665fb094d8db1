/** Contracts of the plan stage (pure). Implementation: src/plan/*. */
import type { KubeObject, ObjectRef } from '../core/objects.js';

/** Hook phases, as Argo CD names them. 'Sync' is an ordinary object. */
export type Phase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

export type HookDeletePolicy = 'BeforeHookCreation' | 'HookSucceeded' | 'HookFailed';

export type DriftMode = 'enforce' | 'warn' | 'ignore';

/** Per-object behaviour, from Mooring's annotations or the Argo CD / Flux equivalents. */
export interface ObjectOptions {
  /** False: never prune it (mooring.dev/prune: disabled, Prune=false, kustomize.toolkit.fluxcd.io/prune: disabled). */
  prune: boolean;
  /** Delete and create instead of apply (Replace=true / Force=true for immutable changes). */
  replace: boolean;
  /** Recreate when an immutable field changes (mooring.dev/recreate: on-immutable, Flux ssa: IfNotPresent has other meaning). */
  recreateOnImmutable: boolean;
  /** Create only if missing, never update (kustomize.toolkit.fluxcd.io/ssa: IfNotPresent, mooring.dev/apply: create-only). */
  createOnly: boolean;
  /** Leave it alone entirely (kustomize.toolkit.fluxcd.io/ssa: Ignore, mooring.dev/apply: ignore). */
  ignore: boolean;
  /** Take fields from other managers on conflict (mooring.dev/force: "true"). Default true for kubectl-style managers. */
  force: boolean;
  drift: DriftMode;
  /** Skip dry-run validation when the CRD is not yet known (SkipDryRunOnMissingResource=true). */
  skipDryRunOnMissingResource: boolean;
  /**
   * Keep fields other managers set (kubectl-style managers included) instead of taking them over
   * (kustomize.toolkit.fluxcd.io/ssa: Merge). Absent means false.
   */
  mergeWithOtherManagers?: boolean;
  /** Keep the object in the cluster when the Application itself is deleted (Argo CD Delete=false). Absent means false. */
  keepOnAppDelete?: boolean;
}

/** One object to apply, with everything the later stages need to know about it. */
export interface PlannedObject {
  /** The object as it will be applied: namespace defaulted, tracking label and annotation set. */
  object: KubeObject;
  ref: ObjectRef;
  /** objectId(ref) */
  id: string;
  phase: Phase;
  wave: number;
  /**
   * Present exactly for hooks: every object in a phase other than 'Sync', and objects explicitly annotated as
   * 'Sync' hooks. Hooks are not part of the inventory. See isHook() in src/plan/order.ts.
   */
  hookDeletePolicies?: HookDeletePolicy[];
  /**
   * Present exactly for hooks that use metadata.generateName: the prefix. Each sync creates a fresh object
   * (POST; the API server picks the name); `ref.name` is the stand-in `<prefix>*`, which matches no live
   * object. See src/plan/generated.ts.
   */
  generateName?: string;
  options: ObjectOptions;
}

/** What an app owns, as recorded after a sync: `id` is objectId(ref), `v` the apiVersion applied. */
export interface InventoryEntry {
  id: string;
  v: string;
}

export interface PruneBrake {
  /** Refuse when more than this fraction of the previous inventory would be pruned (default 0.5). */
  maxFraction: number;
  /** Explicitly allowed by the user for this run. */
  allow: boolean;
}

export interface PlanInput {
  /** The application's name; goes into the tracking label and annotation. */
  appName: string;
  objects: KubeObject[];
  /** Namespace given to namespaced objects that have none. */
  defaultNamespace: string;
  /**
   * Whether (group, kind) is namespaced, from API discovery; undefined when the cluster does not know the
   * kind (then it must be defined by a CRD in `objects`, whose spec.scope decides).
   */
  isNamespaced: (group: string, kind: string) => boolean | undefined;
  /** The inventory recorded by the previous sync ([] for the first). */
  previousInventory: InventoryEntry[];
  prune: boolean;
  pruneBrake: PruneBrake;
  /** The application's drift mode, for objects without `mooring.dev/drift` (default 'enforce'). */
  defaultDrift?: DriftMode;
}

/** Objects that are applied together: one phase and one wave, in apply order. */
export interface WaveGroup {
  phase: Phase;
  wave: number;
  objects: PlannedObject[];
}

export interface Plan {
  /** Every object in apply order: phase, then wave, then kind rank, then namespace and name. */
  objects: PlannedObject[];
  /** The inventory after this sync: every non-hook object. */
  inventory: InventoryEntry[];
  /** Previously owned objects that are no longer desired and may be pruned, in prune (reverse) order. */
  pruneSet: InventoryEntry[];
  /** Previously owned, no longer desired, but kept (prune disabled globally or by annotation recorded before). */
  orphaned: InventoryEntry[];
  warnings: string[];
}
