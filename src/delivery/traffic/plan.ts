/**
 * What a routed canary (trafficRouting httpRoute or nginx) changes in the plan of a sync, beside hold.ts's
 * hold-back of the template: the stable keeps all the replicas Git asks for (traffic, not pods, is split), its
 * pods carry `mooring.dev/track: stable`, its Service selects that track once every stable pod carries it, and
 * while a rollout runs the HTTPRoute is planned with the rollout's weights (so a sync applies what the delivery
 * set, and Git's copy is kept to be restored at the end). Pure.
 */
import { MooringError } from '../../core/errors.js';
import type { KubeObject } from '../../core/objects.js';
import type { DeliverySpec } from '../../crd/delivery.js';
import { routingKindOf } from '../../crd/traffic.js';
import type { PlannedObject } from '../../plan/types.js';
import { TRACK_LABEL } from '../hold.js';
import { CANARY_FIELD_MANAGER } from '../runner.js';
import { serviceBackendsOf, weightedRoute, withRulesOf } from './httproute.js';
import { ingressServices } from './nginx.js';
import { canaryServiceName, plannedOf, selectStableTrack, stableServiceOf } from './services.js';

/** Where a routed canary's traffic is split, resolved from the plan. */
export interface Routing {
  kind: 'httpRoute' | 'nginx';
  /** The HTTPRoute or Ingress of the app. */
  router: PlannedObject;
  /** The stable Service (a backend of the router that selects the target's pods). */
  service: PlannedObject;
  canaryService: string;
  port?: number | undefined;
}

/** What plan.ts needs of a rollout in progress. */
export interface RoutedRollout {
  weight: number;
  /** The HTTPRoute as Git has it: restored when the rollout ends. */
  routeInGit?: KubeObject | undefined;
}

interface DeploymentShape {
  metadata: { generation?: number };
  spec: {
    replicas?: number;
    template: { metadata?: { labels?: Record<string, string> } & Record<string, unknown> };
  };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number };
}

function podLabelsOf(target: PlannedObject): Record<string, string> {
  return (target.object as unknown as DeploymentShape).spec.template.metadata?.labels ?? {};
}

/** The routing of a delivery in this plan (undefined: by replicas). Throws when the named router is wrong. */
export function resolveRouting(
  planned: Iterable<PlannedObject>,
  delivery: DeliverySpec,
  namespace: string,
  target: PlannedObject,
): Routing | undefined {
  const routing = delivery.trafficRouting;
  const kind = routingKindOf(routing);
  if (kind === 'replicas') return undefined;
  const list = [...planned];
  const [group, routerKind, name] =
    kind === 'httpRoute'
      ? ['gateway.networking.k8s.io', 'HTTPRoute', routing?.httpRoute?.name ?? '']
      : ['networking.k8s.io', 'Ingress', routing?.nginx?.ingress ?? ''];
  const subject = `${routerKind}/${namespace}/${name}`;
  const router = plannedOf(list, group, routerKind, namespace, name);
  if (router === undefined)
    throw new MooringError(
      'INVALID_MANIFEST',
      `spec.delivery.trafficRouting names ${subject}, which is not an object of the app`,
      {
        step: 'validate',
        retry: 'terminal',
        subject,
        hint: `add the ${routerKind} to the app's manifests, or name one of the app's`,
      },
    );
  const port = routing?.httpRoute?.port;
  const backends =
    kind === 'httpRoute' ? serviceBackendsOf(router.object, port) : ingressServices(router.object);
  const service = stableServiceOf(list, namespace, backends, podLabelsOf(target), subject, delivery.target);
  return { kind, router, service, canaryService: canaryServiceName(service.ref.name), port };
}

/** Whether every pod of the live stable carries the stable track (then its Service may select it). */
export function stableTrackRolledOut(live: KubeObject | undefined): boolean {
  const d = live as unknown as DeploymentShape | undefined;
  if (d?.spec.template.metadata?.labels?.[TRACK_LABEL] !== 'stable') return false;
  const want = d.spec.replicas ?? 1;
  return (
    (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (d.status?.updatedReplicas ?? 0) >= want &&
    (d.status?.replicas ?? 0) === (d.status?.updatedReplicas ?? 0)
  );
}

/**
 * Rewrites the plan of a routed delivery in place, after hold.ts decided on the template: the stable at
 * `gitReplicas` with the stable track on its pods, the Service's selector, and the route's weights.
 */
export function holdRouting(
  routing: Routing,
  target: PlannedObject,
  gitReplicas: number,
  live: ReadonlyMap<string, KubeObject>,
  rollout: RoutedRollout | undefined,
): void {
  const deployment = target.object as unknown as DeploymentShape;
  deployment.spec.replicas = gitReplicas;
  const template = deployment.spec.template;
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [TRACK_LABEL]: 'stable' },
  };
  const liveSelector = (
    live.get(routing.service.id)?.spec as { selector?: Record<string, string> } | undefined
  )?.selector;
  if (liveSelector?.[TRACK_LABEL] === 'stable' || stableTrackRolledOut(live.get(target.id)))
    selectStableTrack(routing.service.object);
  if (routing.kind !== 'httpRoute') return;
  if (rollout === undefined) {
    // No rollout known (the controller restarted during one): Git's rules take the route back from the
    // delivery's field manager; a rollout that starts again sets its weights anew.
    if (ownedByDelivery(live.get(routing.router.id)))
      routing.router.options = { ...routing.router.options, force: true };
    return;
  }
  rollout.routeInGit = structuredClone(routing.router.object);
  // The rules the delivery set, as stored (defaults in): an atomic list another manager owns is applied
  // without conflict only with exactly its stored value.
  const liveRoute = live.get(routing.router.id);
  routing.router.object =
    liveRoute === undefined
      ? weightedRoute(rollout.routeInGit, servicesOf(routing), rollout.weight)
      : withRulesOf(rollout.routeInGit, liveRoute);
}

function ownedByDelivery(route: KubeObject | undefined): boolean {
  const managers = (route?.metadata.managedFields ?? []) as { manager?: string }[];
  return managers.some((m) => m.manager === CANARY_FIELD_MANAGER);
}

export function servicesOf(routing: Routing): { stable: string; canary: string; port?: number | undefined } {
  return { stable: routing.service.ref.name, canary: routing.canaryService, port: routing.port };
}
