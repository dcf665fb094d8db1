import { applyObjects, intendedAction } from '../apply/apply-objects.js';
import { waitHealthy, type AssessHealth } from '../apply/health-check.js';
import { runHooks } from '../apply/hooks.js';
import { configMapInventoryStore } from '../apply/inventory-store.js';
import type { InventoryStore, StoredInventory } from '../apply/inventory-store.js';
import { fetchLive } from '../apply/live.js';
import { pruneObjects } from '../apply/prune.js';
import type { ObjectOutcome, ValidatedObject } from '../apply/types.js';
import { kindsDefinedByPlan, namespacesCreatedByPlan, validateObjects } from '../apply/validate.js';
import type { ValidationFailure } from '../apply/validate.js';
import { errorMessage, MooringError } from '../core/errors.js';
import type { RetryClass } from '../core/errors.js';
import type { ProgressReporter } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import { groupOf, subjectOf } from '../core/objects.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { assessHealthWith, type CustomHealthChecks } from '../health/custom/index.js';
import { groupIntoWaves, isHook } from '../plan/order.js';
import type { Violation } from '../plan/policy.js';
import { buildPlan } from '../plan/index.js';
import { checkOwnership } from '../plan/ownership.js';
import type { OwnershipConflict } from '../plan/ownership.js';
import type { InventoryEntry, Plan, PlannedObject } from '../plan/types.js';
import { render } from '../render/index.js';
import type { RenderCache } from '../render/cache.js';
import { renderCacheKey } from '../render/cache.js';
import type { RenderInput, RenderResult, RenderTools } from '../render/types.js';
import type { SyncFailure, SyncRequest, SyncResult } from './types.js';

export interface EngineDeps {
  objects: ObjectsApi;
  tools: RenderTools;
  progress?: ProgressReporter;
  /** Default: push mode's ConfigMap in the destination namespace. */
  inventory?: InventoryStore;
  /** Reuse renders of the same tree (source.rootTreeHash), options and tool versions. */
  renderCache?: RenderCache;
  /**
   * The Project's verdict on the planned objects (hooks included), asked before anything is read live,
   * dry-run or written; any violation refuses the whole sync.
   */
  admit?: (planned: readonly PlannedObject[]) => Violation[];
  /**
   * Who creates a missing destination namespace (createNamespace): the controller itself, once the Project
   * has allowed that namespace; default `objects`.
   */
  namespaceCreator?: ObjectsApi;
  /** CEL and Lua health checks in front of the built-in rules, for every wait (stage zero, waves, --wait). */
  healthChecks?: CustomHealthChecks;
  /**
   * Sees (and may rewrite) the planned objects with their live copies after ownership is settled and before
   * the dry-run: progressive delivery holds a Deployment's new pod template back here (src/delivery/hold.ts).
   */
  beforeValidate?: (planned: readonly PlannedObject[], live: ReadonlyMap<string, KubeObject>) => void;
  /**
   * Live objects known without a request (the controller's watch cache). What it does not know is listed
   * from the API (one LIST per kind and namespace); default: everything is listed.
   */
  live?: LiveSource;
  /**
   * True when the caller knows a live object is exactly as its last sync of the same manifest left it
   * (no change seen since): its dry-run is skipped and it counts as unchanged.
   */
  knownUnchanged?: (planned: PlannedObject, live: KubeObject) => boolean;
  /** Told how long each render took (cache hits are not renders); metrics inject one. Must not throw. */
  onRender?: RenderObserver;
}

/** Live state the caller already holds (a watch cache), asked before the API is. */
export interface LiveSource {
  /**
   * The live objects of these planned ones that this source knows, by id. An object it does not return
   * may still exist (say, one without Mooring's tracking label): the engine lists it from the API.
   */
  known(planned: readonly PlannedObject[]): Promise<Map<string, KubeObject>>;
}

/** Observes renders: the renderer ('detected' when a failure came before it was known), seconds, success. */
export type RenderObserver = (render: { renderer: string; seconds: number; ok: boolean }) => void;

/** Thrown inside a run to stop it; carries the failure to report. */
class StopSync extends Error {
  constructor(readonly failure: SyncFailure) {
    super(failure.message);
  }
}

const isStageZero = (p: PlannedObject): boolean =>
  !isHook(p) &&
  ((p.ref.group === '' && p.ref.kind === 'Namespace') ||
    (p.ref.group === 'apiextensions.k8s.io' && p.ref.kind === 'CustomResourceDefinition'));

/**
 * One sync of one application, the whole pipeline: render -> plan -> validate (dry-run everything) ->
 * apply (Namespaces and CRDs first, hooks, waves) -> prune -> record inventory -> optionally wait healthy.
 * Never throws for a failure of the app: the result says which step, which object and why.
 * With `dryRun`, stops after validation and reports what would happen (the diff).
 */
export async function syncApplication(deps: EngineDeps, request: SyncRequest): Promise<SyncResult> {
  const run = new SyncRun(deps, request);
  return run.execute();
}

class SyncRun {
  private readonly started = Date.now();
  private readonly progress: ProgressReporter;
  private readonly result: SyncResult;
  private stored: StoredInventory = { entries: [] };
  private readonly inventoryStore: InventoryStore;
  /** Writes made by hooks (nothing else runs while they do). */
  private hookWrites = 0;
  /** Custom checks in front of the built-in rules; undefined: the built-in rules alone. */
  private readonly assess: AssessHealth | undefined;
  /** Namespaces that did not exist when this sync began (created by it): nothing in them needs reading. */
  private absentNamespaces = new Set<string>();

  constructor(
    private readonly deps: EngineDeps,
    private readonly request: SyncRequest,
  ) {
    this.progress = deps.progress ?? (() => undefined);
    const checks = deps.healthChecks;
    this.assess = checks === undefined ? undefined : (obj, context) => assessHealthWith(checks, obj, context);
    this.inventoryStore =
      deps.inventory ??
      configMapInventoryStore(deps.objects, { appName: request.appName, namespace: request.namespace });
    this.result = {
      appName: request.appName,
      ...(request.source.commit === undefined ? {} : { revision: request.source.commit }),
      dryRun: request.dryRun,
      outcomes: [],
      validated: [],
      inventory: [],
      warnings: [],
      stats: { requests: {}, writes: 0, hookWrites: 0, durationMs: 0 },
    };
  }

  async execute(): Promise<SyncResult> {
    const objects = this.deps.objects;
    const requestsBefore = objects.requestStats.snapshot();
    const writesBefore = objects.requestStats.writes;
    try {
      await this.pipeline();
    } catch (error) {
      this.result.error = error instanceof StopSync ? error.failure : failureOf(error);
    }
    this.result.stats = {
      requests: diffCounts(objects.requestStats.snapshot(), requestsBefore),
      writes: objects.requestStats.writes - writesBefore,
      hookWrites: this.hookWrites,
      durationMs: Date.now() - this.started,
    };
    return this.result;
  }

  private async pipeline(): Promise<void> {
    const rendered = await this.render().catch((error: unknown) => {
      // The same commit renders the same way: only a renderer that ran out of time is worth another try.
      const timedOut = error instanceof MooringError && error.code === 'TIMEOUT';
      throw new StopSync({ ...failureOf(error), retry: timedOut ? 'transient' : 'terminal' });
    });
    // Discovery is reloaded only for a kind it does not know (a CRD installed since): two requests saved per sync.
    const discovery = this.deps.objects.discovery;
    if (rendered.some((o) => !discovery.knows(groupOf(o.apiVersion), o.kind))) await discovery.load();
    this.stored = await this.inventoryStore.load();
    const planned = this.plan(rendered);
    this.admit(planned);
    const known = (await this.deps.live?.known(planned.objects)) ?? new Map<string, KubeObject>();
    const namespaceMissing = await this.destinationNamespaceMissing(planned, known);
    // Nothing can exist yet in a namespace that does not: those objects need no read at all.
    this.absentNamespaces = new Set(namespaceMissing ? [this.request.namespace] : []);
    const live = await this.readLive(planned.objects, known);
    const plan = this.claimOwnership(planned, live);
    this.deps.beforeValidate?.(plan.objects, live);
    const validation = await this.validate(
      plan.objects,
      live,
      namespaceMissing ? [this.request.namespace] : [],
    );
    if (this.request.dryRun) {
      await this.reportDryRun(plan, validation.validated, validation.deferred);
      return;
    }
    if (namespaceMissing) await this.createDestinationNamespace();
    await this.inventoryStore.saveIntent?.(mergeEntries(plan.inventory, this.stored.entries));
    await this.applyAll(plan, validation.validated, validation.deferred);
  }

  /**
   * The live counterparts of `planned`: what `known` (the live source) holds, the rest listed from the API,
   * except objects in a namespace this sync found missing or creates (nothing can be there yet).
   */
  private async readLive(
    planned: PlannedObject[],
    known: Map<string, KubeObject>,
  ): Promise<Map<string, KubeObject>> {
    const unknown = planned.filter(
      (p) => !known.has(p.id) && !(p.ref.namespace !== '' && this.absentNamespaces.has(p.ref.namespace)),
    );
    if (unknown.length === 0) return known;
    const listed = await fetchLive(this.deps.objects, unknown, this.request.concurrency);
    return new Map([...known, ...listed]);
  }

  private async render(): Promise<KubeObject[]> {
    const { source, renderOptions, namespace } = this.request;
    // Helm's .Capabilities.KubeVersion is the destination cluster's (asked once per connection).
    const kubeVersion = await this.deps.objects.discovery.serverVersion();
    const input = {
      root: source.root,
      path: source.path,
      namespace,
      options: renderOptions,
      tools: this.deps.tools,
      ...(kubeVersion === '' ? {} : { kubeVersion }),
    };
    const cache = this.deps.renderCache;
    const versions = this.deps.tools.versions;
    // The whole tree's hash: a kustomize overlay or Helm values may read outside the app folder.
    const key =
      cache === undefined || source.rootTreeHash === undefined || versions === undefined
        ? undefined
        : renderCacheKey(input, { ...versions, kubernetes: kubeVersion }, source.rootTreeHash);
    const cached = key === undefined ? undefined : cache?.get(key);
    if (cached === undefined) this.progress(`rendering ${source.path === '' ? '.' : source.path}`);
    const rendered = cached ?? (await this.timedRender(input));
    if (key !== undefined && cached === undefined) cache?.set(key, rendered);
    this.result.warnings.push(...rendered.warnings);
    this.progress(`rendered ${rendered.objects.length} objects with ${rendered.renderer}`);
    return rendered.objects.map((r) => r.object);
  }

  /** A render (not a cache hit), told to the render observer with how long it took. */
  private async timedRender(input: RenderInput): Promise<RenderResult> {
    const observe = this.deps.onRender;
    if (observe === undefined) return render(input);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const rendered = await render(input);
      observe({ renderer: rendered.renderer, seconds: seconds(), ok: true });
      return rendered;
    } catch (error) {
      observe({ renderer: input.options.kind ?? 'detected', seconds: seconds(), ok: false });
      throw error;
    }
  }

  private plan(objects: KubeObject[]): Plan {
    const discovery = this.deps.objects.discovery;
    const plan = buildPlan({
      appName: this.request.appName,
      objects,
      defaultNamespace: this.request.namespace,
      isNamespaced: (group, kind) => discovery.isNamespaced(group, kind),
      previousInventory: this.stored.entries,
      prune: this.request.prune,
      pruneBrake: { maxFraction: this.request.pruneThreshold, allow: this.request.allowMassPrune },
    });
    this.result.warnings.push(...plan.warnings);
    this.result.inventory = plan.inventory;
    this.result.planned = plan.objects;
    return plan;
  }

  /**
   * Refuses the whole sync when a planned object is tracked by another application (nothing is written);
   * drops from the plan the objects this app handed over and the receiving app has taken.
   */
  private claimOwnership(plan: Plan, live: Map<string, KubeObject>): Plan {
    const check = checkOwnership(this.request.appName, plan.objects, live);
    if (check.conflicts.length > 0) this.refuseConflicts(check.conflicts);
    for (const { planned, from } of check.received)
      this.result.warnings.push(
        `${subjectOf(planned.ref)}: taken over from application "${from}" (handed over)`,
      );
    if (check.handedOver.length === 0) return plan;
    const gone = new Set(check.handedOver.map((h) => h.planned.id));
    for (const { planned, owner } of check.handedOver)
      this.record(planned, 'orphaned', undefined, `handed over to application "${owner}"; left in place`);
    const kept: Plan = {
      ...plan,
      objects: plan.objects.filter((p) => !gone.has(p.id)),
      inventory: plan.inventory.filter((e) => !gone.has(e.id)),
    };
    this.result.inventory = kept.inventory;
    this.result.planned = kept.objects;
    return kept;
  }

  private refuseConflicts(conflicts: OwnershipConflict[]): never {
    this.result.conflicts = conflicts.map((c) => ({ subject: subjectOf(c.planned.ref), owner: c.owner }));
    this.result.rejected = conflicts.map((c) => ({
      step: 'validate',
      retry: 'terminal',
      subject: subjectOf(c.planned.ref),
      message: c.message,
      hint: c.hint,
    }));
    const first = this.result.rejected[0] as SyncFailure;
    const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more shared objects)` : '';
    throw new StopSync({ ...first, message: `${first.message}${more}; nothing was applied` });
  }

  /** Refuses the sync when the Project refuses any planned object: nothing has been written yet. */
  private admit(plan: Plan): void {
    const violations = this.deps.admit?.(plan.objects) ?? [];
    if (violations.length === 0) return;
    // Nothing of this plan will be applied: the app still owns exactly what it owned before.
    this.result.inventory = this.stored.entries;
    this.result.rejected = violations.map((v) => ({
      step: 'plan',
      retry: 'terminal',
      subject: v.subject,
      message: `${v.message} (rule ${v.rule})`,
      hint: 'remove the object from Git, or ask a cluster admin to change the Project',
    }));
    const first = this.result.rejected[0] as SyncFailure;
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more refused)` : '';
    throw new StopSync({
      ...first,
      reason: 'ProjectRefused',
      message: `${first.subject ?? ''} refused: ${first.message}${more}; nothing was applied`,
    });
  }

  private async validate(
    planned: PlannedObject[],
    live: Map<string, KubeObject>,
    missingNamespaces: string[] = [],
  ): Promise<{ validated: ValidatedObject[]; deferred: PlannedObject[] }> {
    this.progress(`validating ${planned.length} objects with a server-side dry-run`);
    const newNamespaces = new Set([...namespacesCreatedByPlan(planned, live), ...missingNamespaces]);
    for (const ns of newNamespaces) this.absentNamespaces.add(ns);
    const validation = await validateObjects(this.deps.objects, planned, live, {
      definedKinds: kindsDefinedByPlan(planned),
      newNamespaces,
      concurrency: this.request.concurrency,
      ...(this.deps.knownUnchanged === undefined ? {} : { knownUnchanged: this.deps.knownUnchanged }),
    });
    this.result.validated.push(...validation.validated);
    if (validation.failures.length > 0) this.rejectAll(validation.failures);
    return validation;
  }

  private rejectAll(failures: ValidationFailure[]): never {
    this.result.rejected = failures.map((f) => ({
      step: 'validate',
      retry: f.retry,
      subject: subjectOf(f.planned.ref),
      message: f.message,
      ...(f.hint === undefined ? {} : { hint: f.hint }),
    }));
    const first = this.result.rejected[0] as SyncFailure;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more rejected)` : '';
    throw new StopSync({
      ...first,
      // Retrying cannot help while any one object is rejected for good.
      retry: worstRetryClass(failures.map((f) => f.retry)),
      message: `${first.subject ?? ''} rejected by the API server: ${first.message}${more}; nothing was applied`,
    });
  }

  private async reportDryRun(
    plan: Plan,
    validated: ValidatedObject[],
    deferred: PlannedObject[],
  ): Promise<void> {
    const reported = (p: PlannedObject): boolean => this.request.includeHooks !== false || !isHook(p);
    this.result.validated = this.result.validated.filter((v) => reported(v.planned));
    const hooksLeftOut = plan.objects.filter((p) => !reported(p)).length;
    if (hooksLeftOut > 0)
      this.progress(`${hooksLeftOut} hook(s) left out: they run on every sync (--include-hooks shows them)`);
    for (const v of validated.filter((v) => reported(v.planned)))
      this.record(v.planned, intendedAction(v), v.diff?.drift);
    for (const p of deferred.filter(reported))
      this.record(p, 'created', undefined, 'validated after its CRD or Namespace is created');
    if (this.request.prune) {
      const pruned = await pruneObjects(this.deps.objects, this.request.appName, plan.pruneSet, true);
      this.result.outcomes.push(...pruned.outcomes);
    }
  }

  private record(
    p: PlannedObject,
    action: ObjectOutcome['action'],
    drift?: ObjectOutcome['drift'],
    message?: string,
  ): void {
    this.result.outcomes.push({
      subject: subjectOf(p.ref),
      id: p.id,
      action,
      phase: p.phase,
      wave: p.wave,
      ...(drift !== undefined && drift.length > 0 ? { drift } : {}),
      ...(message === undefined ? {} : { message }),
    });
  }

  /**
   * True when the destination namespace (which holds the inventory) is missing and --create-namespace
   * asks Mooring to create it; a missing namespace without that flag stops the sync before any write.
   */
  private async destinationNamespaceMissing(plan: Plan, known: Map<string, KubeObject>): Promise<boolean> {
    const ns = this.request.namespace;
    const inPlan = plan.objects.some(
      (p) => p.ref.kind === 'Namespace' && p.ref.group === '' && p.ref.name === ns,
    );
    if (inPlan) return false;
    // A live object in it says the namespace exists, without asking.
    for (const obj of known.values()) if (obj.metadata.namespace === ns) return false;
    const exists = await this.deps.objects.get('v1', {
      group: '',
      kind: 'Namespace',
      namespace: '',
      name: ns,
    });
    if (exists !== undefined) return false;
    if (this.request.createNamespace) return true;
    throw new StopSync({
      step: 'plan',
      // Another app (or a person) may create it: retried until it exists, never Stalled.
      retry: 'waiting',
      subject: `Namespace/${ns}`,
      message: `namespace ${ns} does not exist; nothing was applied`,
      hint: 'create it, add a Namespace to the manifests, or pass --create-namespace',
    });
  }

  private async createDestinationNamespace(): Promise<void> {
    const ns = this.request.namespace;
    await (this.deps.namespaceCreator ?? this.deps.objects).apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { step: 'apply' },
    );
    this.progress(`created namespace ${ns}`);
  }

  private async applyAll(plan: Plan, validated: ValidatedObject[], deferred: PlannedObject[]): Promise<void> {
    const byId = new Map(validated.map((v) => [v.planned.id, v]));
    let failed = false;
    try {
      await this.applyStageZero(validated.filter((v) => isStageZero(v.planned)));
      if (deferred.length > 0) await this.validateDeferred(deferred, byId);
      await this.phaseHooks(plan, 'PreSync');
      await this.applyWaves(plan, byId);
      await this.phaseHooks(plan, 'Sync');
      await this.phaseHooks(plan, 'PostSync');
    } catch (error) {
      failed = true;
      await this.phaseHooks(plan, 'SyncFail').catch(() => undefined);
      throw error;
    } finally {
      await this.finish(plan, failed);
    }
  }

  private async applyStageZero(stage: ValidatedObject[]): Promise<void> {
    if (stage.length === 0) return;
    this.progress(`applying ${stage.length} Namespaces and CRDs first`);
    await this.applyBatch(stage);
    const crdsAndNamespaces = stage.map((v) => v.planned);
    await waitHealthy(this.deps.objects, crdsAndNamespaces, {
      timeoutMs: this.request.timeoutMs,
      what: 'Namespaces and CRDs',
      assess: this.assess,
    });
    await this.deps.objects.discovery.load();
  }

  private async validateDeferred(
    deferred: PlannedObject[],
    byId: Map<string, ValidatedObject>,
  ): Promise<void> {
    const known = (await this.deps.live?.known(deferred)) ?? new Map<string, KubeObject>();
    const live = await this.readLive(deferred, known);
    const conflicts = checkOwnership(this.request.appName, deferred, live).conflicts;
    if (conflicts.length > 0) this.refuseConflicts(conflicts);
    const validation = await this.validate(deferred, live);
    for (const v of validation.validated) byId.set(v.planned.id, v);
  }

  private async applyWaves(plan: Plan, byId: Map<string, ValidatedObject>): Promise<void> {
    const waves = groupIntoWaves(plan.objects.filter((p) => !isHook(p) && !isStageZero(p)));
    for (const [index, wave] of waves.entries()) {
      const batch = wave.objects
        .map((p) => byId.get(p.id))
        .filter((v): v is ValidatedObject => v !== undefined);
      this.progress(`wave ${wave.wave}: applying ${batch.length} objects`);
      await this.applyBatch(batch);
      const more = index < waves.length - 1 || plan.objects.some(isHook);
      if (more) {
        await waitHealthy(this.deps.objects, wave.objects, {
          timeoutMs: this.request.timeoutMs,
          what: `wave ${wave.wave}`,
          assess: this.assess,
        });
      }
    }
  }

  private async applyBatch(batch: ValidatedObject[]): Promise<void> {
    const outcomes = await applyObjects(this.deps.objects, batch, this.request.concurrency);
    this.result.outcomes.push(...outcomes);
    const failure = outcomes.find((o) => o.action === 'failed');
    if (failure !== undefined) {
      throw new StopSync({
        step: 'apply',
        retry: failure.retry ?? 'transient',
        subject: failure.subject,
        message: `${failure.subject}: ${failure.message ?? 'apply failed'}`,
      });
    }
  }

  private async phaseHooks(plan: Plan, phase: 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail'): Promise<void> {
    const hooks = plan.objects.filter((p) => isHook(p) && p.phase === phase);
    if (hooks.length === 0) return;
    this.progress(`running ${hooks.length} ${phase} hook(s)`);
    const writesBefore = this.deps.objects.client.stats.writes;
    const outcomes = await runHooks(this.deps.objects, hooks, {
      timeoutMs: this.request.timeoutMs,
      syncLabel: `${this.request.source.commit?.sha.slice(0, 12) ?? 'local'}@${new Date(this.started).toISOString()}`,
    });
    this.hookWrites += this.deps.objects.client.stats.writes - writesBefore;
    this.result.outcomes.push(...outcomes);
    const failure = outcomes.find((o) => o.action === 'hook-failed');
    if (failure !== undefined && phase !== 'SyncFail') {
      throw new StopSync({
        step: 'hook',
        retry: 'transient',
        subject: failure.subject,
        message: `${phase} hook ${failure.subject} failed: ${failure.message ?? ''}`,
      });
    }
  }

  /** Prune (only after a fully successful apply), record the inventory, and wait if asked. */
  private async finish(plan: Plan, failed: boolean): Promise<void> {
    let survivors: InventoryEntry[] = [];
    if (!failed && this.request.prune && plan.pruneSet.length > 0) {
      this.progress(`pruning ${plan.pruneSet.length} objects removed from Git`);
      const pruned = await pruneObjects(this.deps.objects, this.request.appName, plan.pruneSet, false);
      this.result.outcomes.push(...pruned.outcomes);
      survivors = pruned.survivors;
    }
    // After a failure the app may still own everything it owned before: keep those ids.
    // Without --prune, objects removed from Git stay in the inventory so a later pruning sync removes them.
    const kept = failed
      ? this.stored.entries
      : [...survivors, ...(this.request.prune ? [] : [...plan.pruneSet, ...plan.orphaned])];
    this.result.inventory = mergeEntries(plan.inventory, kept);
    await this.inventoryStore.save(this.result.inventory, this.request.source.commit?.sha, this.stored);
    if (!failed && this.request.wait) {
      this.progress('waiting until every object is healthy');
      const syncObjects = plan.objects.filter((p) => !isHook(p));
      this.result.health = await waitHealthy(this.deps.objects, syncObjects, {
        timeoutMs: this.request.timeoutMs,
        what: this.request.appName,
        assess: this.assess,
      });
    }
  }
}

function mergeEntries(a: InventoryEntry[], b: InventoryEntry[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const e of [...b, ...a]) byId.set(e.id, e);
  return [...byId.values()].sort((x, y) => x.id.localeCompare(y.id));
}

function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** terminal over transient over waiting: the class of a set of failures. Pure. */
function worstRetryClass(classes: RetryClass[]): RetryClass {
  if (classes.includes('terminal')) return 'terminal';
  if (classes.includes('transient')) return 'transient';
  return classes.length === 0 ? 'terminal' : 'waiting';
}

function failureOf(error: unknown): SyncFailure {
  if (error instanceof MooringError) {
    return {
      step: error.step ?? 'apply',
      retry: error.retry,
      message: error.message,
      ...(error.subject === undefined ? {} : { subject: error.subject }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  return { step: 'apply', retry: 'transient', message: errorMessage(error) };
}
