/**
 * Blue-green on the cluster. The new version runs as `<target>-preview`, a Deployment beside the one named in
 * Git (same selector and pod labels plus mooring.dev/track=preview), at full size. The Services stay those of
 * Git, with one key added to their selector: the active Service is pinned to the old pods by the
 * pod-template-hash Kubernetes gives the old ReplicaSet, the preview Service to track=preview. The switch
 * moves the active Service to track=preview in one apply. After the scale-down delay a sync gives the
 * Deployment named in Git the new template (so Git, cluster and history agree and the next sync is a no-op);
 * once it has rolled out, both Services get Git's selectors back and the preview Deployment goes.
 *
 * Why a second Deployment rather than two ReplicaSets of one: a plain Deployment keeps one ReplicaSet at full
 * size, and the issue asks for plain Deployments. Why the Services are written as the planned objects (the
 * engine's field manager) rather than by a second manager: a Service's selector is atomic for server-side
 * apply, so the sync that follows would take it back; the engine hook (holdBlueGreen) writes the rollout's
 * selectors into the planned Services instead.
 */
import { MooringError } from '../core/errors.js';
import type { DeliverySpec } from '../crd/delivery.js';
import type { PlannedObject } from '../plan/types.js';
import type { MetricVerdict } from './analysis.js';
import {
  currentPodHash,
  decideBlueGreen,
  holdServices,
  plannedService,
  PREVIEW_TRACK,
  selectorOf,
  selectorsAt,
  setSelector,
} from './blue-green-machine.js';
import type { BlueGreenProgress, Selector } from './blue-green-machine.js';
import type { HoldDecision } from './hold.js';
import type { Observation } from './machine.js';
import { canaryDeployment, canaryHealth, runCheck, stableRolledOut } from './runner.js';
import type { ActiveRollout, RunnerContext } from './runner.js';
import { runGates } from './webhooks.js';

export function previewName(target: string): string {
  return `${target}-preview`.slice(0, 253);
}

interface Services {
  active: PlannedObject;
  preview: PlannedObject;
}

function servicesOf(
  planned: Iterable<PlannedObject>,
  delivery: DeliverySpec,
  namespace: string,
): Services | undefined {
  const names = delivery.blueGreen;
  if (names === undefined) return undefined;
  const all = [...planned];
  const active = plannedService(all, names.activeService, namespace);
  const preview = plannedService(all, names.previewService, namespace);
  return active === undefined || preview === undefined ? undefined : { active, preview };
}

/**
 * The engine hook's blue-green part (after holdBack decided on the Deployment): a new template needs both
 * Services in the app (refused before anything is written otherwise); during a rollout the planned
 * Services get the rollout's selectors.
 */
export function holdBlueGreen(
  delivery: DeliverySpec,
  planned: readonly PlannedObject[],
  namespace: string,
  decision: HoldDecision,
  rollout: ActiveRollout | undefined,
): void {
  const names = delivery.blueGreen;
  if (names === undefined) return;
  const services = servicesOf(planned, delivery, namespace);
  if (services === undefined) {
    if (decision.kind !== 'held' && rollout === undefined) return;
    throw new MooringError(
      'INVALID_MANIFEST',
      `spec.delivery.blueGreen names Services ${names.activeService} and ${names.previewService}, and the app does not have both in ${namespace}: the new template of Deployment ${delivery.target} was not applied`,
      {
        step: 'validate',
        retry: 'terminal',
        subject: `Deployment/${namespace}/${delivery.target}`,
        hint: 'add both Services to the app (same namespace), or fix activeService/previewService',
      },
    );
  }
  if (rollout?.blueGreen !== undefined) holdServices(rollout.blueGreen, services.active, services.preview);
}

/** The part of the app's memory blue-green reads and writes: the last plan and what it left settled. */
export interface PlanMemory {
  planned: Map<string, PlannedObject>;
  /** Objects the next sync may skip the dry-run of (reconciler.ts isSettled), by id. */
  settled?: Map<string, unknown> | undefined;
}

/**
 * Applies one planned Service with `selector`: with the engine's field manager, so the Service stays the
 * app's; and no longer "settled", so the next sync compares it again rather than skip it as unchanged.
 */
async function applySelector(
  ctx: RunnerContext,
  memory: PlanMemory,
  service: PlannedObject,
  selector: Selector,
): Promise<void> {
  setSelector(service, selector);
  memory.settled?.delete(service.id);
  await ctx.objects.apply(service.object);
}

/** Applies the Services with the selectors of the rollout's stage (active first). */
async function applySelectors(
  ctx: RunnerContext,
  memory: PlanMemory,
  progress: BlueGreenProgress,
): Promise<void> {
  const services = requireServices(ctx, memory);
  const selectors = selectorsAt(progress);
  await applySelector(ctx, memory, services.active, selectors.active);
  await applySelector(ctx, memory, services.preview, selectors.preview);
}

function requireServices(ctx: RunnerContext, memory: PlanMemory): Services {
  const services = servicesOf(memory.planned.values(), ctx.delivery, ctx.namespace);
  if (services === undefined) throw new Error('the active or preview Service is missing from the app');
  return services;
}

/**
 * Starts a rollout: the active Service pinned to the old pods before any new pod exists, the preview Service
 * to the preview's pods, then the preview Deployment at full size.
 */
export async function startBlueGreen(
  ctx: RunnerContext,
  memory: PlanMemory,
  rollout: ActiveRollout,
): Promise<void> {
  const services = requireServices(ctx, memory);
  const live = await ctx.objects.get('apps/v1', ctx.stable.ref);
  if (live === undefined) throw new Error(`${ctx.stable.ref.name} is missing`);
  const replicaSets = await ctx.objects.list('apps/v1', 'ReplicaSet', { namespace: ctx.namespace });
  const oldPodHash = currentPodHash(live, replicaSets);
  if (oldPodHash === undefined)
    throw new Error(`Deployment ${ctx.stable.ref.name} has no current ReplicaSet to keep users on`);
  const progress: BlueGreenProgress = {
    stage: 'Preview',
    oldPodHash,
    gitActive: rollout.blueGreen?.gitActive ?? selectorOf(services.active),
    gitPreview: rollout.blueGreen?.gitPreview ?? selectorOf(services.preview),
    oldRevision: rollout.state.stableRevision,
    scaleDownDelay: ctx.delivery.blueGreen?.scaleDownDelay ?? '30s',
  };
  rollout.blueGreen = progress;
  await applySelectors(ctx, memory, progress);
  await ctx.objects.apply(canaryDeployment(live, rollout.template, rollout.total, PREVIEW_TRACK), {
    fieldManager: 'mooring-delivery',
  });
}

/**
 * Users back on the old version at once: the active Service pinned to the old pods again, then the preview
 * Deployment deleted. The Services keep the pins until the next sync (the revert commit) applies Git's
 * selectors: until then the old pods are the only ones the active Service may reach.
 */
export async function restoreOld(
  ctx: RunnerContext,
  memory: PlanMemory,
  rollout: ActiveRollout,
): Promise<void> {
  const progress = rollout.blueGreen;
  if (progress !== undefined) {
    progress.stage = 'Preview';
    progress.switchedAt = undefined;
    await applySelectors(ctx, memory, progress);
  }
  await ctx.objects
    .delete('apps/v1', { ...ctx.stable.ref, name: previewName(ctx.delivery.target) })
    .catch((error: unknown) => {
      ctx.logger.warn({ err: String(error) }, 'preview delete failed');
    });
}

/** The end of a promotion: Git's selectors back on both Services, then the preview Deployment deleted. */
export async function finishBlueGreen(
  ctx: RunnerContext,
  memory: PlanMemory,
  progress: BlueGreenProgress,
): Promise<void> {
  const services = requireServices(ctx, memory);
  await applySelector(ctx, memory, services.active, progress.gitActive);
  await applySelector(ctx, memory, services.preview, progress.gitPreview);
  await ctx.objects.delete('apps/v1', { ...ctx.stable.ref, name: previewName(ctx.delivery.target) });
}

/** What one turn of a blue-green rollout asks the coordinator to do. */
export type BlueGreenStep =
  | { kind: 'wait'; delayMs: number; phase: 'Progressing' | 'Waiting' }
  | { kind: 'switched'; message: string }
  | { kind: 'scale-down'; message: string }
  | { kind: 'finished' }
  | { kind: 'abort'; message: string; metrics: MetricVerdict[] };

/** One turn: the end of a promotion, or the step machine with the observations it asks for. */
export async function stepBlueGreen(
  ctx: RunnerContext,
  memory: PlanMemory,
  rollout: ActiveRollout,
  now: number,
): Promise<BlueGreenStep> {
  const progress = rollout.blueGreen;
  if (progress === undefined) throw new Error('blue-green rollout without progress');
  if (rollout.phase === 'promoting') {
    if (!(await stableRolledOut(ctx, rollout.templateHash))) {
      rollout.message = `${ctx.delivery.target} is taking the new template; users stay on the preview pods`;
      return { kind: 'wait', delayMs: 1000, phase: 'Progressing' };
    }
    await finishBlueGreen(ctx, memory, progress);
    return { kind: 'finished' };
  }
  const seen: Observation = {
    canary: await canaryHealth(ctx, previewName(ctx.delivery.target)),
    manual: rollout.manual,
  };
  rollout.manual = undefined;
  let decision = decideBlueGreen(ctx.delivery, rollout.state, progress, seen, now);
  if (decision.action.kind === 'need-check') {
    const check = await runCheck(ctx, rollout, PREVIEW_TRACK);
    rollout.lastCheck = check;
    const subject = { name: ctx.delivery.target, namespace: ctx.namespace, checksum: rollout.templateHash };
    const stepGate =
      check.kind === 'pass'
        ? await runGates(ctx.delivery.analysis.webhooks, 'rollout', subject, ctx.fetch)
        : undefined;
    const confirmGate =
      check.kind === 'pass' && stepGate?.passed !== false
        ? await runGates(ctx.delivery.analysis.webhooks, 'confirm-promotion', subject, ctx.fetch)
        : undefined;
    decision = decideBlueGreen(
      ctx.delivery,
      rollout.state,
      progress,
      { ...seen, check, stepGate, confirmGate },
      now,
    );
  }
  rollout.state = decision.state;
  const action = decision.action;
  if (action.kind !== 'need-check') rollout.message = action.message;
  switch (action.kind) {
    case 'need-check':
      return { kind: 'wait', delayMs: 1000, phase: 'Progressing' };
    case 'wait':
      rollout.blueGreen = decision.progress;
      return { kind: 'wait', delayMs: action.delayMs, phase: 'Waiting' };
    case 'switch':
      // Recorded as switched only once the active Service is.
      await applySelectors(ctx, memory, decision.progress);
      rollout.blueGreen = decision.progress;
      return { kind: 'switched', message: action.message };
    case 'scale-down':
      rollout.blueGreen = decision.progress;
      rollout.phase = 'promoting';
      return { kind: 'scale-down', message: action.message };
    case 'abort':
      return { kind: 'abort', message: action.message, metrics: action.metrics };
  }
}
