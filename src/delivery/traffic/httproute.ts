/**
 * Gateway API weights: the rules of an HTTPRoute that send to the stable Service get a second backendRef, to
 * `<service>-canary`, with weights 100-w and w (Gateway API: each backend gets weight / sum of the rule's
 * weights). Rules and backendRefs are atomic lists for server-side apply, so the delivery's field manager
 * writes the whole `spec.rules`, and the sync of the route from Git is given the same rules while a rollout
 * runs (see plan.ts) so the two never fight. Pure.
 */
import type { KubeObject } from '../../core/objects.js';

export const HTTPROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';

interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}

interface Rule {
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}

interface RouteShape {
  metadata: { namespace?: string };
  spec?: { rules?: Rule[] } & Record<string, unknown>;
}

function isServiceIn(ref: BackendRef, namespace: string | undefined): boolean {
  return (
    (ref.group ?? '') === '' &&
    (ref.kind ?? 'Service') === 'Service' &&
    (ref.namespace === undefined || ref.namespace === namespace)
  );
}

function sendsTo(ref: BackendRef, namespace: string | undefined, service: string, port?: number): boolean {
  return isServiceIn(ref, namespace) && ref.name === service && (port === undefined || ref.port === port);
}

function rulesOf(route: KubeObject): Rule[] {
  return (route as RouteShape).spec?.rules ?? [];
}

/** The Services of the route's namespace its rules send to (on `port`, when given). */
export function serviceBackendsOf(route: KubeObject, port?: number): string[] {
  const namespace = route.metadata.namespace;
  return rulesOf(route).flatMap((rule) =>
    (rule.backendRefs ?? [])
      .filter((ref) => isServiceIn(ref, namespace) && (port === undefined || ref.port === port))
      .map((ref) => ref.name),
  );
}

/**
 * `spec.rules` with the weights of one step: each rule that sends to `stable` (on `port`) sends 100-w to it
 * and w to `canary` on the same port. Idempotent: a canary backendRef already there is replaced.
 */
export function weightedRules(
  route: KubeObject,
  services: { stable: string; canary: string; port?: number | undefined },
  weight: number,
): Rule[] {
  const namespace = route.metadata.namespace;
  return rulesOf(route).map((rule) => {
    const refs = (rule.backendRefs ?? []).filter((ref) => !sendsTo(ref, namespace, services.canary));
    const stableAt = refs.findIndex((ref) => sendsTo(ref, namespace, services.stable, services.port));
    const stableRef = refs[stableAt];
    if (stableRef === undefined) return structuredClone(rule);
    const canaryRef: BackendRef = {
      ...(stableRef.namespace === undefined ? {} : { namespace: stableRef.namespace }),
      name: services.canary,
      ...(stableRef.port === undefined ? {} : { port: stableRef.port }),
      weight,
    };
    const backendRefs = [...refs];
    backendRefs.splice(stableAt, 1, { ...stableRef, weight: 100 - weight }, canaryRef);
    return { ...structuredClone(rule), backendRefs: structuredClone(backendRefs) };
  });
}

/** The route with the weights of one step (a copy). */
export function weightedRoute(
  route: KubeObject,
  services: { stable: string; canary: string; port?: number | undefined },
  weight: number,
): KubeObject {
  const copy = structuredClone(route) as KubeObject & RouteShape;
  copy.spec = { ...copy.spec, rules: weightedRules(route, services, weight) };
  return copy;
}

/**
 * `route` with the rules of `stored` as the API server keeps them (defaults filled in). Rules are an atomic
 * list: an apply by another manager conflicts unless it sends exactly the stored value, defaults included.
 */
export function withRulesOf(route: KubeObject, stored: KubeObject): KubeObject {
  const copy = structuredClone(route) as KubeObject & RouteShape;
  copy.spec = { ...copy.spec, rules: structuredClone(rulesOf(stored)) };
  return copy;
}

/** What the delivery's field manager applies: only the rules (the rest stays the sync's). */
export function rulesPatch(route: KubeObject, rules: Rule[]): KubeObject {
  return {
    apiVersion: HTTPROUTE_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name: route.metadata.name, namespace: route.metadata.namespace ?? 'default' },
    spec: { rules },
  };
}

/** The [stable, canary] weights of each rule that sends to the stable Service (for status and tests). */
export function weightsIn(
  route: KubeObject,
  services: { stable: string; canary: string },
): { stable: number | undefined; canary: number | undefined }[] {
  const namespace = route.metadata.namespace;
  return rulesOf(route)
    .filter((rule) => (rule.backendRefs ?? []).some((ref) => sendsTo(ref, namespace, services.stable)))
    .map((rule) => {
      const refs = rule.backendRefs ?? [];
      return {
        stable: refs.find((ref) => sendsTo(ref, namespace, services.stable))?.weight,
        canary: refs.find((ref) => sendsTo(ref, namespace, services.canary))?.weight,
      };
    });
}
