/**
 * How a canary's weight reaches traffic, behind one interface the runner calls: `prepare` once the canary
 * Deployment exists, `setWeight` at each step, `reset` (all traffic back on the stable at once: the first
 * thing an abort or a promotion's end does), `cleanup` (whatever the rollout added goes). Three
 * implementations: replica ratio behind one Service (the default), Gateway API HTTPRoute weights, and an
 * ingress-nginx canary Ingress. Objects the delivery adds are written with its own field manager.
 */
import { errorMessage } from '../../core/errors.js';
import type { KubeObject, ObjectRef } from '../../core/objects.js';
import { splitReplicas } from '../machine.js';
import { canaryName, CANARY_FIELD_MANAGER } from '../runner.js';
import type { ActiveRollout, RunnerContext } from '../runner.js';
import { rulesPatch, weightedRules, withRulesOf } from './httproute.js';
import { canaryIngress, canaryIngressName } from './nginx.js';
import { resolveRouting, servicesOf } from './plan.js';
import type { Routing } from './plan.js';
import { canaryService } from './services.js';

export interface TrafficRouter {
  /** Canary replicas at `weight` of `total`. */
  canaryReplicas: (total: number, weight: number) => number;
  /** After the canary Deployment is created: what sends it the rollout's first weight. */
  prepare: (rollout: ActiveRollout) => Promise<void>;
  setWeight: (rollout: ActiveRollout, weight: number) => Promise<void>;
  /** All traffic on the stable at once (`stableReplicas`: the size it must have, replica ratio only). */
  reset: (rollout: ActiveRollout, stableReplicas: number | undefined) => Promise<void>;
  /** After the canary Deployment is gone: the Services, Ingresses and route weights it added go too. */
  cleanup: (rollout: ActiveRollout) => Promise<void>;
}

interface Scalable extends KubeObject {
  spec: { replicas?: number };
}

function canaryRef(ctx: RunnerContext): ObjectRef {
  return { ...ctx.stable.ref, name: canaryName(ctx.delivery.target) };
}

async function scaleCanary(ctx: RunnerContext, replicas: number): Promise<void> {
  await ctx.objects.mergePatch(
    'apps/v1',
    canaryRef(ctx),
    { spec: { replicas } },
    { fieldManager: CANARY_FIELD_MANAGER },
  );
}

/**
 * Applies the stable's planned object (the engine's own field manager) at `replicas`; written outside a
 * sync, it is no longer settled (the next sync compares it again).
 */
export async function applyStable(ctx: RunnerContext, replicas: number): Promise<void> {
  (ctx.stable.object as Scalable).spec.replicas = replicas;
  ctx.settled?.delete(ctx.stable.id);
  await ctx.objects.apply(ctx.stable.object);
}

/** Weights by replica ratio: stable and canary scaled to the step's share of the replicas Git asks for. */
function replicaRouter(ctx: RunnerContext): TrafficRouter {
  return {
    canaryReplicas: (total, weight) => splitReplicas(total, weight).canary,
    prepare: () => Promise.resolve(),
    setWeight: async (rollout, weight) => {
      const split = splitReplicas(rollout.total, weight);
      rollout.weight = weight;
      await scaleCanary(ctx, split.canary);
      await applyStable(ctx, split.stable);
    },
    reset: async (_rollout, stableReplicas) => {
      if (stableReplicas !== undefined) await applyStable(ctx, stableReplicas);
    },
    cleanup: () => Promise.resolve(),
  };
}

/** Enough canary pods for its share (at least one); the stable keeps them all. */
export function routedCanaryReplicas(total: number, weight: number): number {
  return Math.max(1, Math.ceil((Math.max(1, total) * weight) / 100));
}

async function deleteQuietly(ctx: RunnerContext, apiVersion: string, ref: ObjectRef): Promise<void> {
  await ctx.objects.delete(apiVersion, ref).catch((error: unknown) => {
    ctx.logger.warn({ err: errorMessage(error), name: ref.name }, `${ref.kind} delete failed`);
  });
}

/** HTTPRoute weights or an ingress-nginx canary Ingress, with `<service>-canary` selecting the canary. */
function routedRouter(ctx: RunnerContext, routing: Routing): TrafficRouter {
  const services = servicesOf(routing);
  const { namespace } = routing.router.ref;
  const routeInGit = (rollout: ActiveRollout): KubeObject =>
    (rollout.routeInGit ??= structuredClone(routing.router.object));
  const route = async (rollout: ActiveRollout, weight: number): Promise<void> => {
    if (routing.kind === 'httpRoute') {
      const inGit = routeInGit(rollout);
      ctx.settled?.delete(routing.router.id);
      const applied = await ctx.objects.apply(rulesPatch(inGit, weightedRules(inGit, services, weight)), {
        fieldManager: CANARY_FIELD_MANAGER,
        force: true,
      });
      // The cached plan follows, so a heal the watch starts for this change finds the route as planned.
      routing.router.object = withRulesOf(inGit, applied);
      return;
    }
    const live = await ctx.objects.get('networking.k8s.io/v1', routing.router.ref);
    const uid = live?.metadata.uid as string | undefined;
    await ctx.objects.apply(
      canaryIngress(routing.router.object, services, weight, uid === undefined ? undefined : { uid }),
      { fieldManager: CANARY_FIELD_MANAGER, force: true },
    );
  };
  return {
    canaryReplicas: routedCanaryReplicas,
    prepare: async (rollout) => {
      const live = await ctx.objects.get('v1', routing.service.ref);
      await ctx.objects.apply(canaryService(routing.service.object, live), {
        fieldManager: CANARY_FIELD_MANAGER,
        force: true,
      });
      await route(rollout, rollout.weight);
    },
    setWeight: async (rollout, weight) => {
      rollout.weight = weight;
      // Capacity first: the canary is scaled to its share before the share moves to it.
      await scaleCanary(ctx, routedCanaryReplicas(rollout.total, weight));
      await route(rollout, weight);
    },
    reset: async (rollout) => {
      await route(rollout, 0);
    },
    cleanup: async (rollout) => {
      if (routing.kind === 'httpRoute') {
        // Git's rules back, owned by the sync's field manager again (the delivery's ownership ends).
        ctx.settled?.delete(routing.router.id);
        await ctx.objects.apply(routeInGit(rollout));
        routing.router.object = routeInGit(rollout);
      } else
        await deleteQuietly(ctx, 'networking.k8s.io/v1', {
          ...routing.router.ref,
          name: canaryIngressName(routing.router.ref.name),
        });
      await deleteQuietly(ctx, 'v1', { group: '', kind: 'Service', namespace, name: services.canary });
    },
  };
}

/** The router of the delivery in `ctx`. */
export function routerFor(ctx: RunnerContext): TrafficRouter {
  const routing = resolveRouting(ctx.planned.values(), ctx.delivery, ctx.namespace, ctx.stable);
  return routing === undefined ? replicaRouter(ctx) : routedRouter(ctx, routing);
}
