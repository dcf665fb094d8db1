/**
 * Progressive delivery inside the reconciler: the engine hook that holds a new pod template back, the start
 * of a rollout after that sync, each later turn of the step machine, and the two ends — promotion (a sync
 * that gives the stable the new template, then the canary goes) and abort (traffic back on the stable at
 * once, then the revert written to Git by the same mechanism as `mooring rollback`, and a SyncRecord naming
 * the failed metrics with their values).
 */
import type { Egress } from '../net/egress.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import type { DeliveryStatus } from '../crd/delivery.js';
import { deliveryStatusSchema } from '../crd/delivery.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { PlannedObject } from '../plan/types.js';
import type { Application } from '../app/model.js';
import { appRefOf, MOORING_API_VERSION, shortCommit } from '../app/model.js';
import { recordEvent } from '../controller/events.js';
import type { RecordInput } from '../controller/records.js';
import type { ReportEvent, RequestReport, RolloutEvent, RolloutReport } from '../controller/report.js';
import type { Trigger } from '../app/model.js';
import { formatNumber } from './analysis.js';
import type { MetricVerdict } from './analysis.js';
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
import { resumeFromStatus } from './resume.js';
import { checkStableTemplate, plannedStableHash } from './stable-guard.js';
import { runGates } from './webhooks.js';

/** What the coordinator needs of the app's memory (part of the reconciler's AppMemory). */
export interface DeliveryMemory {
  planned: Map<string, PlannedObject>;
  /** What the last sync left settled (the reconciler's AppMemory.settled): objects written here leave it. */
  settled?: Map<string, unknown> | undefined;
  rollout?: ActiveRollout | undefined;
  /** The stable template hash this controller last recorded in status.delivery. */
  stableTemplateHash?: string | undefined;
}

export interface CoordinatorDeps {
  /** The controller's identity: status, SyncRecords, Events. */
  objects: ObjectsApi;
  logger: Logger;
  /** The reconciler's rollback (a revert commit, or a pin when the push is refused): what it did. */
  rollback: (app: Application, memory: DeliveryMemory, target: string) => Promise<RequestReport>;
  /** Hands a rollout report to the reconciler's sinks (SyncRecord, Events, status.delivery, metrics, notifications). */
  publish: (app: Application, memory: DeliveryMemory, report: RolloutPublication) => Promise<void>;
  /** Outbound connections to the analysis' Prometheus and webhooks (src/net/egress.ts). */
  egress: Egress;
}

/** What the coordinator publishes of one rollout turn (the reconciler wraps it in a report of kind 'rollout'). */
export interface RolloutPublication {
  trigger: Trigger;
  rollout: RolloutReport;
  events: ReportEvent[];
  record?: Omit<RecordInput, 'app'>;
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
  /** Rollouts rebuilt from status by this controller and not yet seen by afterSync. */
  private readonly resumed = new WeakSet<ActiveRollout>();

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
        if (memory.rollout === undefined && app.status?.delivery?.blueGreen === undefined) {
          // A restarted controller (canary; a blue-green rollout starts over): the rollout status.delivery describes goes on where it was.
          const git = target.object.spec as { replicas?: number; template: Record<string, unknown> };
          memory.rollout = resumeFromStatus(app.status?.delivery, git.template, git.replicas ?? 1);
          if (memory.rollout !== undefined) this.resumed.add(memory.rollout);
        }
        checkStableTemplate(live.get(target.id), app.status?.delivery, memory.stableTemplateHash);
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
      fetch: this.deps.egress.fetch,
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
    await this.recordStableHash(app, memory, ctx);
    if (decision.kind === 'held') {
      if (current?.templateHash === decision.templateHash) {
        if (this.resumed.delete(current)) await this.resume(app, memory, ctx, current);
        return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
      }
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
      // pre-rollout webhooks (Flagger): before any traffic reaches the new version; a refusal aborts.
      const pre = await runGates(
        ctx.delivery.analysis.webhooks,
        'pre-rollout',
        { name: ctx.delivery.target, namespace: ctx.namespace, checksum: rollout.templateHash },
        ctx.fetch,
      );
      if (pre !== undefined && !pre.passed) {
        await this.abort(app, memory, ctx, rollout, `pre-rollout ${pre.message}`, []);
        return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
      }
      if (ctx.delivery.blueGreen === undefined) {
        await startCanary(ctx, rollout);
        rollout.message = `step 1 of ${weightsOf(ctx.delivery).length}: ${rollout.weight}% on ${shortCommit(revision)}`;
      } else {
        await startBlueGreen(ctx, memory, rollout);
        rollout.message = `preview of ${shortCommit(revision)} started; the active Service stays on the old pods`;
      }
      await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Progressing'), 'started', {
        events: [{ type: 'Normal', reason: 'RolloutStarted', message: rollout.message }],
      });
      return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
    }
    if (current === undefined) return { kind: 'none' };
    if (current.phase === 'promoting') return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
    // Git went back to the stable template while a canary ran: the canary has nothing left to prove.
    if (current.blueGreen === undefined) await removeCanary(ctx, current, current.total);
    else await restoreOld(ctx, memory, current);
    memory.rollout = undefined;
    await this.writeDelivery(
      app,
      memory,
      deliveryStatusOf(current, 'Aborted', 'Git no longer asks for the canary'),
      'cancelled',
    );
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
      if (!(await stableRolledOut(ctx, rollout.templateHash)))
        return { kind: 'wait', delayMs: PROMOTE_POLL_MS };
      await removeCanary(ctx, rollout, undefined);
      memory.rollout = undefined;
      const message = `promoted ${shortCommit(rollout.state.revision)}: the stable runs it, the canary is gone`;
      await this.writeDelivery(
        app,
        memory,
        deliveryStatusOf({ ...rollout, weight: 0 }, 'Succeeded', message),
        'promoted',
        { events: [{ type: 'Normal', reason: 'RolloutPromoted', message }] },
      );
      // post-rollout webhooks are told; their answer changes nothing any more, a refusal is only reported.
      const told = await runGates(
        ctx.delivery.analysis.webhooks,
        'post-rollout',
        {
          name: ctx.delivery.target,
          namespace: ctx.namespace,
          checksum: rollout.templateHash,
        },
        ctx.fetch,
      );
      if (told !== undefined && !told.passed)
        await recordEvent(this.deps.objects, app, 'Warning', 'PostRolloutWebhookFailed', told.message);
      return { kind: 'none' };
    }
    let action;
    const checkBefore = rollout.lastCheck;
    try {
      action = await stepRollout(ctx, rollout, Date.now());
    } catch (error) {
      // A failed request is no verdict: the step waits (and says why); the rollout neither moves nor aborts.
      rollout.message = `rollout paused: ${errorMessage(error)}`;
      await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Waiting'));
      return { kind: 'wait', delayMs: 5000 };
    }
    // The check this turn ran, if it ran one (each is counted once by the metrics sink).
    const check = rollout.lastCheck !== checkBefore ? rollout.lastCheck?.metrics : undefined;
    const checked = check === undefined ? {} : { check: check.map(metricStatus) };
    switch (action.kind) {
      case 'need-check':
      case 'wait':
        await this.writeDelivery(
          app,
          memory,
          deliveryStatusOf(rollout, action.kind === 'wait' ? 'Waiting' : 'Progressing'),
          'progress',
          checked,
        );
        return { kind: 'wait', delayMs: action.kind === 'wait' ? action.delayMs : 1000 };
      case 'set-step':
        // Status first: a controller that stops in between resumes at the new step, never an older one.
        rollout.weight = action.weight;
        await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Progressing'), 'step', {
          ...checked,
          events: [{ type: 'Normal', reason: 'RolloutStep', message: action.message }],
        });
        await setWeight(ctx, rollout, action.weight);
        return { kind: 'wait', delayMs: 1000 };
      case 'promote':
        rollout.phase = 'promoting';
        await this.writeDelivery(
          app,
          memory,
          deliveryStatusOf(rollout, 'Promoting', action.message),
          'promoting',
          checked,
        );
        return { kind: 'sync' };
      case 'abort':
        await this.abort(app, memory, ctx, rollout, action.message, action.metrics, checked);
        return { kind: 'wait', delayMs: 1000 };
    }
  }

  private async abort(
    app: Application,
    memory: DeliveryMemory,
    ctx: RunnerContext,
    rollout: ActiveRollout,
    reason: string,
    metrics: MetricVerdict[],
    checked: { check?: RolloutReport['check'] } = {},
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
    let revert: RequestReport | undefined;
    if (target === undefined) gitNote = 'no earlier revision known: Git left as is';
    else {
      try {
        revert = await this.deps.rollback(app, memory, target);
        gitNote =
          revert.how === 'pushed'
            ? `reverted in Git to ${shortCommit(target)}`
            : `revert to ${shortCommit(target)} ${revert.how === 'pinned' ? 'not pushed, app pinned' : 'failed'}: ${revert.reason ?? 'unknown'}`;
      } catch (error) {
        gitNote = `revert to ${shortCommit(target)} failed: ${errorMessage(error)}`;
        revert = { kind: 'rollback', target, how: 'failed', reason: errorMessage(error) };
      }
    }
    const strategy = rollout.blueGreen === undefined ? 'canary' : 'blue-green';
    const message = `${strategy} of ${shortCommit(rollout.state.revision)} aborted at ${step}: ${reason}${values === '' ? '' : `; failed metrics: ${values}`}; traffic back on stable in ${backOnStableMs}ms; ${gitNote}`;
    await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Aborted', message), 'aborted', {
      ...checked,
      trigger: 'rollback',
      abort: {
        reason,
        failedMetrics: metrics.filter((m) => m.result === 'Failed').map(metricStatus),
        backOnStableMs,
        revert,
      },
      record: {
        trigger: 'rollback',
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        revision: rollout.state.revision,
        result: 'Failed',
        message,
        outcomes: [],
      },
      events: [{ type: 'Warning', reason: 'RolloutAborted', message }],
    });
    this.deps.logger.warn({ app: app.metadata.name, backOnStableMs }, message);
  }

  /** The first sync of a restarted controller kept the rollout's split: the canary gets its share back too. */
  private async resume(
    app: Application,
    memory: DeliveryMemory,
    ctx: RunnerContext,
    rollout: ActiveRollout,
  ): Promise<void> {
    await startCanary(ctx, rollout);
    await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Progressing'), 'resumed', {
      events: [{ type: 'Normal', reason: 'RolloutResumed', message: rollout.message }],
    });
  }

  /**
   * Keeps the hash of the stable template annotation this sync wrote in status (only the controller writes
   * it). Bookkeeping of the guard, not a rollout event: written directly, no report.
   */
  private async recordStableHash(
    app: Application,
    memory: DeliveryMemory,
    ctx: RunnerContext,
  ): Promise<void> {
    const hash = plannedStableHash(ctx.stable.object);
    if (hash === undefined) return;
    memory.stableTemplateHash = hash;
    if (app.status?.delivery?.stableTemplateHash === hash) return;
    await this.patchDelivery(app, { stableTemplateHash: hash });
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
      await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Waiting'), 'progress');
      return { kind: 'wait', delayMs: 5000 };
    }
    switch (step.kind) {
      case 'wait':
        await this.writeDelivery(app, memory, deliveryStatusOf(rollout, step.phase), 'progress');
        return { kind: 'wait', delayMs: step.delayMs };
      case 'switched':
        await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Progressing'), 'step', {
          events: [{ type: 'Normal', reason: 'RolloutSwitched', message: step.message }],
        });
        return { kind: 'wait', delayMs: 1000 };
      case 'scale-down':
        await this.writeDelivery(
          app,
          memory,
          deliveryStatusOf(rollout, 'Promoting', step.message),
          'promoting',
        );
        return { kind: 'sync' };
      case 'abort':
        await this.abort(app, memory, ctx, rollout, step.message, step.metrics);
        return { kind: 'wait', delayMs: 1000 };
      case 'finished': {
        memory.rollout = undefined;
        const message = `promoted ${shortCommit(rollout.state.revision)}: ${ctx.delivery.target} runs it behind the active Service, the preview is gone`;
        await this.writeDelivery(app, memory, deliveryStatusOf(rollout, 'Succeeded', message), 'promoted', {
          events: [{ type: 'Normal', reason: 'RolloutPromoted', message }],
        });
        const told = await runGates(
          ctx.delivery.analysis.webhooks,
          'post-rollout',
          { name: ctx.delivery.target, namespace: ctx.namespace, checksum: rollout.templateHash },
          ctx.fetch,
        );
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

  /**
   * Publishes a rollout report: status.delivery (through the status sink), its Events, an abort's SyncRecord,
   * and what metrics and notifications read. A plain `progress` that changed nothing and ran no check is
   * not published (turns come every second).
   */
  private async writeDelivery(
    app: Application,
    memory: DeliveryMemory,
    rollout: DeliveryStatus,
    event: RolloutEvent = 'progress',
    extra: {
      events?: ReportEvent[];
      check?: RolloutReport['check'];
      abort?: RolloutReport['abort'];
      record?: Omit<RecordInput, 'app'>;
      trigger?: Trigger;
    } = {},
  ): Promise<void> {
    // stableTemplateHash is left out (a merge patch keeps it): this app copy may predate the sync that set it.
    const delivery = rollout;
    const { stableTemplateHash: _hash, ...written } = app.status?.delivery ?? {};
    if (
      event === 'progress' &&
      extra.check === undefined &&
      JSON.stringify(written) === JSON.stringify(delivery)
    )
      return;
    await this.deps.publish(app, memory, {
      trigger: extra.trigger ?? 'poll',
      rollout: {
        event,
        delivery,
        ...(extra.check === undefined ? {} : { check: extra.check }),
        ...(extra.abort === undefined ? {} : { abort: extra.abort }),
      },
      events: extra.events ?? [],
      ...(extra.record === undefined ? {} : { record: extra.record }),
    });
  }

  /** A merge patch of status.delivery (fields not named are kept). */
  private async patchDelivery(app: Application, delivery: DeliveryStatus): Promise<void> {
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

/** A metric's verdict as status and reports carry it (no undefined fields). */
function metricStatus(m: MetricVerdict): NonNullable<DeliveryStatus['metrics']>[number] {
  return {
    name: m.name,
    result: m.result,
    ...(m.value === undefined ? {} : { value: m.value }),
    ...(m.message === undefined ? {} : { message: m.message }),
  };
}

/**
 * The merge patch writing status.delivery: a field the new status leaves out is removed (null), so a new
 * rollout never shows the metrics of the last one. The stable template hash is kept: only the coordinator's
 * own partial patch (recordStableHash) writes it. Pure.
 */
export function deliveryPatch(delivery: DeliveryStatus): { status: { delivery: Record<string, unknown> } } {
  const cleared = Object.fromEntries(
    Object.keys(deliveryStatusSchema.shape)
      .filter((key) => key !== 'stableTemplateHash')
      .map((key) => [key, null]),
  );
  return { status: { delivery: { ...cleared, ...delivery } } };
}
