/**
 * Runs a progressive rollout for the reconciler: creates and scales the canary, gathers what the step
 * machine needs (canary health, Prometheus, webhooks), and performs its decision. Promotion and abort are
 * finished by the reconciler (a sync that gives the stable the new template; a Git revert).
 */
import type { EgressFetch } from '../net/egress.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import type { DeliverySpec, DeliveryStatus } from '../crd/delivery.js';
import { durationMs } from '../crd/common.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { PlannedObject } from '../plan/types.js';
import { TRACKING_ANNOTATION, TRACKING_LABEL } from '../plan/tracking.js';
import { evaluateCheck } from './analysis.js';
import type { CheckVerdict, MetricReading } from './analysis.js';
import { STABLE_TEMPLATE_ANNOTATION, templateHash as templateHashOf, TRACK_LABEL } from './hold.js';
import type { RolloutView } from './hold.js';
import { blueGreenStatusOf } from './blue-green-machine.js';
import type { BlueGreenProgress } from './blue-green-machine.js';
import { decideRollout, weightsOf } from './machine.js';
import type { Action, CanaryHealth, Observation, RolloutState } from './machine.js';
import { queryPrometheus } from './prometheus.js';
import { builtinQueriesFor, promDuration, sampleQueryFor, templateQuery } from './promql.js';
import { routerFor } from './traffic/router.js';
import { runGates } from './webhooks.js';

export const CANARY_FIELD_MANAGER = 'mooring-delivery';

/** A rollout in progress, kept in the app's memory (and summarised in status.delivery). */
export interface ActiveRollout {
  state: RolloutState;
  template: Record<string, unknown>;
  templateHash: string;
  /** Replicas Git asks for: stable + canary at each step, the stable's after promotion. */
  total: number;
  weight: number;
  phase: 'progressing' | 'promoting';
  /** The last decision, for status. */
  message: string;
  lastCheck?: CheckVerdict | undefined;
  /** Manual request from mooring promote / abort. */
  manual?: 'promote' | 'abort' | undefined;
  /** Blue-green only: where the switch stands (blue-green.ts). */
  blueGreen?: BlueGreenProgress | undefined;
  /** trafficRouting.httpRoute: the route as Git has it, restored when the rollout ends. */
  routeInGit?: KubeObject | undefined;
}

export function viewOf(rollout: ActiveRollout | undefined): RolloutView | undefined {
  return rollout === undefined
    ? undefined
    : {
        templateHash: rollout.templateHash,
        weight: rollout.weight,
        promoting: rollout.phase === 'promoting',
      };
}

export function canaryName(target: string): string {
  return `${target}-canary`.slice(0, 253);
}

interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template: { metadata?: { labels?: Record<string, string> } & Record<string, unknown> } & Record<
      string,
      unknown
    >;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** The canary Deployment: the stable's selector and pod labels plus track=canary, the new template. */
export function canaryDeployment(
  stable: KubeObject,
  template: Record<string, unknown>,
  replicas: number,
  track: 'canary' | 'preview' = 'canary',
): KubeObject {
  const s = stable as Deployment;
  const labels = Object.fromEntries(
    Object.entries(s.metadata.labels ?? {}).filter(([k]) => k !== TRACKING_LABEL),
  );
  const tpl = template as Deployment['spec']['template'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${s.metadata.name}-${track}`.slice(0, 253),
      namespace: s.metadata.namespace ?? 'default',
      labels: { ...labels, [TRACK_LABEL]: track },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: s.metadata.name,
          uid: s.metadata.uid,
          blockOwnerDeletion: false,
        },
      ],
    },
    spec: {
      replicas,
      // How the stable rolls out is how the canary does (a progress deadline fails the step).
      ...Object.fromEntries(
        (['minReadySeconds', 'progressDeadlineSeconds', 'strategy'] as const)
          .filter((k) => (s.spec as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, (s.spec as Record<string, unknown>)[k]]),
      ),
      selector: {
        ...s.spec.selector,
        matchLabels: { ...s.spec.selector.matchLabels, [TRACK_LABEL]: track },
      },
      template: {
        ...tpl,
        metadata: {
          ...tpl.metadata,
          labels: { ...tpl.metadata?.labels, [TRACK_LABEL]: track },
          annotations: Object.fromEntries(
            Object.entries((tpl.metadata?.annotations as Record<string, string> | undefined) ?? {}).filter(
              ([k]) => k !== TRACKING_ANNOTATION,
            ),
          ),
        },
      },
    },
  };
}

const FAILING_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
]);

export interface RunnerContext {
  objects: ObjectsApi;
  delivery: DeliverySpec;
  namespace: string;
  app: string;
  /** The planned stable Deployment of the last sync (applied again with the stable's share of replicas). */
  stable: PlannedObject;
  /** The planned objects of the last sync (the route, Ingress and Services of trafficRouting). */
  planned: ReadonlyMap<string, PlannedObject>;
  /**
   * What the last sync left settled (the reconciler's AppMemory.settled), by id: a planned object written
   * here between syncs leaves it, so the next sync compares it again rather than skip it as unchanged.
   */
  settled?: Map<string, unknown> | undefined;
  logger: Logger;
  /** Every analysis request goes through the controller's egress policy. */
  fetch: EgressFetch;
}

/**
 * Creates (or updates) the canary with the first step's share, then lets the traffic router send it that
 * share (the stable was sized by the sync that held the template back).
 */
export async function startCanary(ctx: RunnerContext, rollout: ActiveRollout): Promise<void> {
  const live = await ctx.objects.get('apps/v1', ctx.stable.ref);
  if (live === undefined) throw new Error(`${ctx.stable.ref.name} is missing`);
  const router = routerFor(ctx);
  await ctx.objects.apply(
    canaryDeployment(live, rollout.template, router.canaryReplicas(rollout.total, rollout.weight)),
    { fieldManager: CANARY_FIELD_MANAGER },
  );
  await router.prepare(rollout);
}

/** Moves the canary's share of traffic to `weight` (see traffic/router.ts). */
export async function setWeight(ctx: RunnerContext, rollout: ActiveRollout, weight: number): Promise<void> {
  await routerFor(ctx).setWeight(rollout, weight);
}

/**
 * Traffic back on the stable at once (at `stableReplicas` when given), then the canary deleted and whatever
 * routed to it. Returns the milliseconds until traffic was back on the stable.
 */
export async function removeCanary(
  ctx: RunnerContext,
  rollout: ActiveRollout,
  stableReplicas: number | undefined,
): Promise<number> {
  const startedAt = Date.now();
  const router = routerFor(ctx);
  await router.reset(rollout, stableReplicas);
  const backOnStableMs = Date.now() - startedAt;
  await ctx.objects
    .delete('apps/v1', { ...ctx.stable.ref, name: canaryName(ctx.delivery.target) })
    .catch((error: unknown) => {
      ctx.logger.warn({ err: errorMessage(error) }, 'canary delete failed');
    });
  await router.cleanup(rollout);
  return backOnStableMs;
}

export async function canaryHealth(
  ctx: RunnerContext,
  name: string = canaryName(ctx.delivery.target),
): Promise<CanaryHealth> {
  const ref = { ...ctx.stable.ref, name };
  const canary = (await ctx.objects.get('apps/v1', ref)) as Deployment | undefined;
  if (canary === undefined) return { kind: 'failed', message: `${ref.name} is missing` };
  const stuck = canary.status?.conditions?.find(
    (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (stuck !== undefined)
    return { kind: 'failed', message: `${ref.name}: ${stuck.message ?? stuck.reason}` };
  const selector = Object.entries(canary.spec.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  // Best effort: an identity that may not list Pods still gets the Deployment's own verdict below.
  const pods = await ctx.objects
    .list('v1', 'Pod', { namespace: ctx.namespace, labelSelector: selector })
    .catch((error: unknown) => {
      ctx.logger.warn({ err: errorMessage(error) }, 'canary pods not readable');
      return [];
    });
  for (const pod of pods) {
    const statuses =
      (
        pod.status as
          | {
              containerStatuses?: {
                name: string;
                state?: { waiting?: { reason?: string; message?: string } };
              }[];
            }
          | undefined
      )?.containerStatuses ?? [];
    for (const c of statuses) {
      const waiting = c.state?.waiting;
      if (waiting?.reason !== undefined && FAILING_REASONS.has(waiting.reason))
        return {
          kind: 'failed',
          message: `Pod ${pod.metadata.name} container ${c.name}: ${waiting.reason}${waiting.message === undefined ? '' : `: ${waiting.message}`}`,
        };
    }
  }
  const want = canary.spec.replicas ?? 1;
  const generationSeen =
    (canary.status?.observedGeneration ?? 0) >= ((canary.metadata.generation as number | undefined) ?? 0);
  if (
    generationSeen &&
    (canary.status?.readyReplicas ?? 0) >= want &&
    (canary.status?.updatedReplicas ?? 0) >= want
  )
    return { kind: 'ready' };
  return { kind: 'progressing', message: `${canary.status?.readyReplicas ?? 0}/${want} canary pods ready` };
}

/**
 * Whether the stable Deployment runs the promoted template (`templateHash`) and finished rolling it out. The
 * stable template annotation says which template the last applied sync gave it: while the promotion sync
 * has not been applied (it failed, or is still queued), the annotation is the old template and the rollout
 * is not done, however settled the Deployment looks.
 */
export async function stableRolledOut(ctx: RunnerContext, templateHash: string): Promise<boolean> {
  const d = (await ctx.objects.get('apps/v1', ctx.stable.ref)) as Deployment | undefined;
  if (d === undefined) return false;
  if (!stableRunsTemplate(d.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION], templateHash)) return false;
  const want = d.spec.replicas ?? 1;
  return (
    (d.status?.observedGeneration ?? 0) >= ((d.metadata.generation as number | undefined) ?? 0) &&
    (d.status?.updatedReplicas ?? 0) >= want &&
    (d.status?.availableReplicas ?? 0) >= want &&
    (d.status?.replicas ?? 0) <= want
  );
}

/** Whether a stable template annotation holds the template of `hash` (false when absent or unreadable). */
export function stableRunsTemplate(annotation: string | undefined, hash: string): boolean {
  if (annotation === undefined) return false;
  try {
    return templateHashOf(JSON.parse(annotation)) === hash;
  } catch {
    return false;
  }
}

/** One analysis check of the new version's series (`track`: canary, or preview for blue-green). */
export async function runCheck(
  ctx: RunnerContext,
  rollout: ActiveRollout,
  track = 'canary',
): Promise<CheckVerdict> {
  const { analysis } = ctx.delivery;
  const values = {
    app: ctx.app,
    namespace: ctx.namespace,
    target: ctx.delivery.target,
    revision: rollout.state.revision,
    interval: promDuration(durationMs(analysis.interval)),
  };
  const address = analysis.prometheus.address;
  const samples = await queryPrometheus(address, templateQuery(sampleQueryFor(track), values), ctx.fetch);
  const builtin = builtinQueriesFor(track);
  const readings = new Map<string, MetricReading>();
  for (const metric of analysis.metrics) {
    const query = metric.builtin === undefined ? (metric.query ?? '') : builtin[metric.builtin];
    readings.set(metric.name, await queryPrometheus(address, templateQuery(query, values), ctx.fetch));
  }
  return evaluateCheck(analysis.metrics, readings, samples, analysis.minSampleSize);
}

/** One turn of the step machine, with the observations it asks for. */
export async function stepRollout(ctx: RunnerContext, rollout: ActiveRollout, now: number): Promise<Action> {
  const seen: Observation = { canary: await canaryHealth(ctx), manual: rollout.manual };
  rollout.manual = undefined;
  let decision = decideRollout(ctx.delivery, rollout.state, seen, now);
  if (decision.action.kind === 'need-check') {
    const check = await runCheck(ctx, rollout);
    rollout.lastCheck = check;
    const subject = { name: ctx.delivery.target, namespace: ctx.namespace, checksum: rollout.templateHash };
    const last = rollout.state.step + 1 >= weightsOf(ctx.delivery).length;
    const stepGate =
      check.kind === 'pass'
        ? await runGates(ctx.delivery.analysis.webhooks, 'rollout', subject, ctx.fetch)
        : undefined;
    const confirmGate =
      check.kind === 'pass' && last && stepGate?.passed !== false
        ? await runGates(ctx.delivery.analysis.webhooks, 'confirm-promotion', subject, ctx.fetch)
        : undefined;
    decision = decideRollout(ctx.delivery, rollout.state, { ...seen, check, stepGate, confirmGate }, now);
  }
  rollout.state = decision.state;
  if (decision.action.kind !== 'need-check') rollout.message = decision.action.message;
  return decision.action;
}

/** status.delivery of a rollout in progress. */
export function deliveryStatusOf(
  rollout: ActiveRollout,
  phase: DeliveryStatus['phase'],
  message?: string,
): DeliveryStatus {
  return {
    phase,
    revision: rollout.state.revision,
    step: rollout.state.step,
    canaryWeight: rollout.weight,
    failedChecks: rollout.state.failedChecks,
    ...(rollout.lastCheck === undefined
      ? {}
      : {
          metrics: rollout.lastCheck.metrics.map((m) => ({
            name: m.name,
            result: m.result,
            ...(m.value === undefined ? {} : { value: m.value }),
            ...(m.message === undefined ? {} : { message: m.message }),
          })),
        }),
    message: (message ?? rollout.message).slice(0, 1024),
    stepStartedAt: new Date(rollout.state.stepStartedAt).toISOString(),
    templateHash: rollout.templateHash,
    ...(rollout.state.stableRevision === undefined ? {} : { stableRevision: rollout.state.stableRevision }),
    ...(rollout.blueGreen === undefined
      ? {}
      : { blueGreen: blueGreenStatusOf(rollout.blueGreen, rollout.state.revision) }),
  };
}
