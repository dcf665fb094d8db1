/**
 * Progressive delivery inside the reconciler: the engine hook that holds a new pod template back, the start
 * of a rollout after that sync, each later turn of the step machine, and the two ends — promotion (a sync
 * that gives the stable the new template, then the canary goes) and abort (traffic back on the stable at
 * once, then the revert written to Git by the same mechanism as `mooring rollback`, and a SyncRecord naming
 * the failed metrics with their values).
 */
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import type { DeliveryStatus } from '../crd/delivery.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { PlannedObject } from '../plan/types.js';
import type { Application } from '../app/model.js';
import { appRefOf, MOORING_API_VERSION, shortCommit } from '../app/model.js';
import { recordEvent } from '../controller/events.js';
import { recordSync, syncRecordFor } from '../controller/records.js';
import { formatNumber } from './analysis.js';
import { holdBlueGreen, restoreOld, startBlueGreen, stepBlueGreen } from './blue-green.js';
import type { BlueGreenStep } from './blue-green.js';
import { holdBack, targetOf } from './hold.js';
import { holdRouting, resolveRouting } from './traffic/plan.js';
import type { HoldDecision } from './hold.js';
import { weightsOf } from './machine.js';
import {
  deliveryStatusOf,
  removeCanary,
  setWeight,
  stableRolledOut,
  startCanary,
  stepRollout,
  viewOf,
} from './runner.js';
import type { ActiveRollout, RunnerContext } from './runner.js';
import { runGates } from './webhooks.js';

/** What the coordinator needs of the app's memory (part of the reconciler's AppMemory). */
export interface DeliveryMemory {
  planned: Map<string, PlannedObject>;
  /** What the last sync left settled (the reconciler's AppMemory.settled): objects written here leave it. */
  settled?: Map<string, unknown> | undefined;
  rollout?: ActiveRollout | undefined;
}

export interface CoordinatorDeps {
  /** The controller's identity: status, SyncRecords, Events. */
  objects: ObjectsApi;
  logger: Logger;
  /** The reconciler's rollback (a revert commit, or a pin when the push is refused). */
  rollback: (app: Application, memory: DeliveryMemory, target: string) => Promise<void>;
  historyLimit: (app: Application) => number;
}

/** What a turn asks of the reconcile. */
export type Turn =
  | { kind: 'none' }
  | { kind: 'wait'; delayMs: number }
  /** Sync now even if Git did not move (promotion). */
  | { kind: 'sync' };

/** A hold-back captured during one sync. */
export interface HoldCapture {
  beforeValidate: (planned: readonly PlannedObject[], live: ReadonlyMap<string, KubeObject>) => void;
  decision: () => HoldDecision | undefined;
}

const PROMOTE_POLL_MS = 1000;

export class DeliveryCoordinator {
  constructor(private readonly deps: CoordinatorDeps) {}

  /** The engine hook for one sync of `app` (undefined: the app has no spec.delivery). */
  capture(app: Application, memory: DeliveryMemory): HoldCapture | undefined {
    const delivery = app.spec.delivery;
    if (delivery === undefined) return undefined;
    let decision: HoldDecision | undefined;
    return {
      beforeValidate: (planned, live) => {
        const target = targetOf(planned, delivery, app.spec.destination.namespace);
        if (target === undefined) return;
        const routing = resolveRouting(planned, delivery, app.spec.destination.namespace, target);
        const gitReplicas = (target.object.spec as { replicas?: number } | undefined)?.replicas ?? 1;
        decision = holdBack(delivery, target, live.get(target.id), viewOf(memory.rollout));
        holdBlueGreen(delivery, planned, app.spec.destination.namespace, decision, memory.rollout);
        if (routing !== undefined) holdRouting(routing, target, gitReplicas, live, memory.rollout);
      },
      decision: () => decision,
    };
  }

  private context(app: Application, memory: DeliveryMemory, objects: ObjectsApi): RunnerContext | undefined {
    const delivery = app.spec.delivery;
    if (delivery === undefined) return undefined;
    const stable = targetOf([...memory.planned.values()], delivery, app.spec.destination.namespace);
    if (stable === undefined) return undefined;
    return {
      objects,
      delivery,
      namespace: app.spec.destination.namespace,
      app: app.metadata.name,
      stable,
      planned: memory.planned,
      settled: memory.settled,
      logger: this.deps.logger,
    };
  }

  /** After a successful sync: starts a rollout of a held template, or ends one Git no longer asks for. */
  async afterSync(
    app: Application,
    memory: DeliveryMemory,
    objects: ObjectsApi,
    decision: HoldDecision | undefined,
    revision: string,
    stableRevision: string | undefined,
  ): Promise<Turn> {
    const ctx = this.context(app, memory, objects);
    const current = memory.rollout;
    if (ctx === undefined || decision === undefined) return { kind: 'none' };
    if (decision.kind === 'held') {
      if (current?.templateHash === decision.templateHash) return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
      const rollout: ActiveRollout = {
        state: {
          revision,
          stableRevision: current?.state.stableRevision ?? stableRevision,
          step: 0,
          stepStartedAt: Date.now(),
          failedChecks: 0,
        },
        template: decision.template,
        templateHash: decision.templateHash,
        total: decision.replicas,
        weight: weightsOf(ctx.delivery)[0] ?? 0,
        phase: 'progressing',
        message: `canary of ${shortCommit(revision)} started`,
        // A newer template replacing a blue-green rollout: Git's selectors as the last sync saw them (the
        // planned Services now carry the old rollout's pins).
        ...(current?.blueGreen === undefined ? {} : { blueGreen: current.blueGreen }),
        routeInGit: current?.routeInGit,
      };
      memory.rollout = rollout;
      if (ctx.delivery.blueGreen === undefined) {
        await startCanary(ctx, rollout);
        rollout.message = `step 1 of ${weightsOf(ctx.delivery).length}: ${rollout.weight}% on ${shortCommit(revision)}`;
      } else {
        await startBlueGreen(ctx, memory, rollout);
        rollout.message = `preview of ${shortCommit(revision)} started; the active Service stays on the old pods`;
      }
      await this.writeDelivery(app, deliveryStatusOf(rollout, 'Progressing'));
      await recordEvent(this.deps.objects, app, 'Normal', 'RolloutStarted', rollout.message);
      return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
    }
    if (current === undefined) return { kind: 'none' };
    if (current.phase === 'promoting') return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
    // Git went back to the stable template while a canary ran: the canary has nothing left to prove.
    if (current.blueGreen === undefined) await removeCanary(ctx, current, current.total);
    else await restoreOld(ctx, memory, current);
    memory.rollout = undefined;
    await this.writeDelivery(app, deliveryStatusOf(current, 'Aborted', 'Git no longer asks for the canary'));
    return { kind: 'none' };
  }

  /** One turn of a rollout in progress (before the fetch of a reconcile). */
  async turn(app: Application, memory: DeliveryMemory, objects: ObjectsApi): Promise<Turn> {
    const rollout = memory.rollout;
    if (rollout === undefined) return { kind: 'none' };
    const ctx = this.context(app, memory, objects);
    if (ctx === undefined) {
      memory.rollout = undefined;
      return { kind: 'none' };
    }
    if (rollout.blueGreen !== undefined) return this.blueGreenTurn(app, memory, ctx, rollout);
    if (rollout.phase === 'promoting') {
      if (!(await stableRolledOut(ctx))) return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
      await removeCanary(ctx, rollout, undefined);
      memory.rollout = undefined;
      const message = `promoted ${shortCommit(rollout.state.revision)}: the stable runs it, the canary is gone`;
      await this.writeDelivery(app, deliveryStatusOf({ ...rollout, weight: 0 }, 'Succeeded', message));
      await recordEvent(this.deps.objects, app, 'Normal', 'RolloutPromoted', message);
      // post-rollout webhooks are told; their answer changes nothing any more, a refusal is only reported.
      const told = await runGates(ctx.delivery.analysis.webhooks, 'post-rollout', {
        name: ctx.delivery.target,
        namespace: ctx.namespace,
        checksum: rollout.templateHash,
      });
      if (told !== undefined && !told.passed)
        await recordEvent(this.deps.objects, app, 'Warning', 'PostRolloutWebhookFailed', told.message);
      return { kind: 'none' };
    }
    let action;
    try {
      action = await stepRollout(ctx, rollout, Date.now());
    } catch (error) {
      // A failed request is no verdict: the step waits (and says why); the rollout neither moves nor aborts.
      rollout.message = `rollout paused: ${errorMessage(error)}`;
      await this.writeDelivery(app, deliveryStatusOf(rollout, 'Waiting'));
      return { kind: 'wait', delayMs: 5000 };
    }
    switch (action.kind) {
      case 'need-check':
      case 'wait':
        await this.writeDelivery(
          app,
          deliveryStatusOf(rollout, action.kind === 'wait' ? 'Waiting' : 'Progressing'),
        );
        return { kind: 'wait', delayMs: action.kind === 'wait' ? action.delayMs : 1000 };
      case 'set-step':
        await setWeight(ctx, rollout, action.weight);
        await this.writeDelivery(app, deliveryStatusOf(rollout, 'Progressing'));
        await recordEvent(this.deps.objects, app, 'Normal', 'RolloutStep', action.message);
        return { kind: 'wait', delayMs: 1000 };
      case 'promote':
        rollout.phase = 'promoting';
        await this.writeDelivery(app, deliveryStatusOf(rollout, 'Promoting', action.message));
        return { kind: 'sync' };
      case 'abort':
        await this.abort(app, memory, ctx, rollout, action.message, action.metrics);
        return { kind: 'wait', delayMs: 1000 };
    }
  }

  private async abort(
    app: Application,
    memory: DeliveryMemory,
    ctx: RunnerContext,
    rollout: ActiveRollout,
    reason: string,
    metrics: { name: string; value?: number | undefined; result: string; message?: string | undefined }[],
  ): Promise<void> {
    const startedAt = new Date();
    const step =
      rollout.blueGreen === undefined
        ? `step ${rollout.state.step + 1} (${rollout.weight}%)`
        : `stage ${rollout.blueGreen.stage}`;
    // Traffic first: the stable back to full size and the canary gone, routes back on the stable (blue-green:
    // the active Service back on the old pods, the preview gone), before anything else.
    let backOnStableMs: number;
    if (rollout.blueGreen === undefined) backOnStableMs = await removeCanary(ctx, rollout, rollout.total);
    else {
      await restoreOld(ctx, memory, rollout);
      backOnStableMs = Date.now() - startedAt.getTime();
    }
    memory.rollout = undefined;
    const values = metrics
      .filter((m) => m.result === 'Failed')
      .map(
        (m) => `${m.name}=${m.value === undefined ? '?' : formatNumber(m.value)} (${m.message ?? 'failed'})`,
      )
      .join(', ');
    const target = rollout.state.stableRevision;
    let gitNote: string;
    if (target === undefined) gitNote = 'no earlier revision known: Git left as is';
    else {
      try {
        await this.deps.rollback(app, memory, target);
        gitNote = `reverted in Git to ${shortCommit(target)}`;
      } catch (error) {
        gitNote = `revert to ${shortCommit(target)} failed: ${errorMessage(error)}`;
      }
    }
    const strategy = rollout.blueGreen === undefined ? 'canary' : 'blue-green';
    const message = `${strategy} of ${shortCommit(rollout.state.revision)} aborted at ${step}: ${reason}${values === '' ? '' : `; failed metrics: ${values}`}; traffic back on stable in ${backOnStableMs}ms; ${gitNote}`;
    await recordSync(
      this.deps.objects,
      syncRecordFor({
        app,
        trigger: 'rollback',
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        revision: rollout.state.revision,
        result: 'Failed',
        message,
        outcomes: [],
      }),
      this.deps.historyLimit(app),
    ).catch((error: unknown) => {
      this.deps.logger.warn({ err: errorMessage(error) }, 'abort SyncRecord not written');
    });
    await this.writeDelivery(app, deliveryStatusOf(rollout, 'Aborted', message));
    await recordEvent(this.deps.objects, app, 'Warning', 'RolloutAborted', message);
    this.deps.logger.warn({ app: app.metadata.name, backOnStableMs }, message);
  }

  /** One turn of a blue-green rollout (blue-green.ts): switch, scale-down, the end, or an abort. */
  private async blueGreenTurn(
    app: Application,
    memory: DeliveryMemory,
    ctx: RunnerContext,
    rollout: ActiveRollout,
  ): Promise<Turn> {
    let step: BlueGreenStep;
    try {
      step = await stepBlueGreen(ctx, memory, rollout, Date.now());
    } catch (error) {
      rollout.message = `rollout paused: ${errorMessage(error)}`;
      await this.writeDelivery(app, deliveryStatusOf(rollout, 'Waiting'));
      return { kind: 'wait', delayMs: 5000 };
    }
    switch (step.kind) {
      case 'wait':
        await this.writeDelivery(app, deliveryStatusOf(rollout, step.phase));
        return { kind: 'wait', delayMs: step.delayMs };
      case 'switched':
        await this.writeDelivery(app, deliveryStatusOf(rollout, 'Progressing'));
        await recordEvent(this.deps.objects, app, 'Normal', 'RolloutSwitched', step.message);
        return { kind: 'wait', delayMs: 1000 };
      case 'scale-down':
        await this.writeDelivery(app, deliveryStatusOf(rollout, 'Promoting', step.message));
        return { kind: 'sync' };
      case 'abort':
        await this.abort(app, memory, ctx, rollout, step.message, step.metrics);
        return { kind: 'wait', delayMs: 1000 };
      case 'finished': {
        memory.rollout = undefined;
        const message = `promoted ${shortCommit(rollout.state.revision)}: ${ctx.delivery.target} runs it behind the active Service, the preview is gone`;
        await this.writeDelivery(app, deliveryStatusOf(rollout, 'Succeeded', message));
        await recordEvent(this.deps.objects, app, 'Normal', 'RolloutPromoted', message);
        const told = await runGates(ctx.delivery.analysis.webhooks, 'post-rollout', {
          name: ctx.delivery.target,
          namespace: ctx.namespace,
          checksum: rollout.templateHash,
        });
        if (told !== undefined && !told.passed)
          await recordEvent(this.deps.objects, app, 'Warning', 'PostRolloutWebhookFailed', told.message);
        return { kind: 'none' };
      }
    }
  }

  /** Asks for `mooring promote` / `mooring abort` on the rollout in progress (ignored when there is none). */
  request(memory: DeliveryMemory, what: 'promote' | 'abort'): boolean {
    const rollout = memory.rollout;
    if (rollout?.phase !== 'progressing') return false;
    rollout.manual = what;
    return true;
  }

  private async writeDelivery(app: Application, delivery: DeliveryStatus): Promise<void> {
    if (JSON.stringify(app.status?.delivery) === JSON.stringify(delivery)) return;
    const updated = await this.deps.objects.mergePatch(
      MOORING_API_VERSION,
      appRefOf(app),
      { status: { delivery } },
      { subresource: 'status' },
    );
    const status = (updated as Application).status;
    if (status !== undefined) app.status = status;
  }
}
