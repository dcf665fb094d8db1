/**
 * Gateway API (gateway.networking.k8s.io): GatewayClass (Accepted), Gateway (Accepted, Programmed,
 * ResolvedRefs on the Gateway and on each listener, Conflicted listeners) and routes (HTTPRoute, GRPCRoute,
 * TLSRoute, TCPRoute, UDPRoute: Accepted and ResolvedRefs per parent in status.parents). Conditions carry
 * observedGeneration; those written for an older generation do not count.
 */
import type { KubeObject } from '../../core/objects.js';
import { beingDeleted } from '../common.js';
import { type Condition, explainCondition, numberAt, parseConditions, recordsAt, stringAt } from '../read.js';
import { isFailureReason } from '../reasons.js';
import { degraded, healthy, progressing, runCascade } from '../result.js';
import type { HealthCheck, HealthContext, HealthResult } from '../types.js';

/** Conditions describing the current generation (or carrying no observedGeneration at all). */
function currentConditions(obj: KubeObject, entries: readonly unknown[]): Condition[] {
  const generation = numberAt(obj, ['metadata', 'generation']);
  return parseConditions(entries).filter(
    (condition) =>
      generation === undefined ||
      condition.observedGeneration === undefined ||
      condition.observedGeneration >= generation,
  );
}

function problem(prefix: string, condition: Condition): string {
  const explanation = explainCondition(condition);
  return `${prefix}${condition.type} ${condition.status}${explanation === '' ? '' : `: ${explanation}`}`;
}

/**
 * The verdict of one set of conditions (a Gateway, a listener, a route's parent): refused or unresolved
 * references and conflicts are Degraded; not yet Programmed is Progressing, unless the reason is a failure
 * ("Invalid").
 */
function judge(prefix: string, conditions: readonly Condition[]): HealthResult | undefined {
  for (const type of ['Accepted', 'ResolvedRefs']) {
    const condition = conditions.find((entry) => entry.type === type);
    if (condition?.status === 'False') return degraded(problem(prefix, condition));
  }
  const conflicted = conditions.find((entry) => entry.type === 'Conflicted');
  if (conflicted?.status === 'True') return degraded(problem(prefix, conflicted));
  const programmed = conditions.find((entry) => entry.type === 'Programmed');
  if (programmed !== undefined && programmed.status !== 'True') {
    const message = problem(prefix, programmed);
    return isFailureReason(programmed.reason) ? degraded(message) : progressing(message);
  }
  const accepted = conditions.find((entry) => entry.type === 'Accepted');
  if (accepted !== undefined && accepted.status !== 'True') return progressing(problem(prefix, accepted));
  return undefined;
}

function gatewayConditions(obj: KubeObject): HealthResult | undefined {
  const all = recordsAt(obj, ['status', 'conditions']);
  const current = currentConditions(obj, all);
  if (all.length > 0 && current.length === 0)
    return progressing('waiting for the gateway controller to observe the current generation');
  if (current.length === 0 && recordsAt(obj, ['status', 'listeners']).length === 0)
    return progressing('waiting for a gateway controller to report status');
  return judge('', current);
}

function listeners(obj: KubeObject): HealthResult | undefined {
  for (const listener of recordsAt(obj, ['status', 'listeners'])) {
    const name = stringAt(listener, ['name']) ?? '?';
    const verdict = judge(`listener ${name}: `, currentConditions(obj, recordsAt(listener, ['conditions'])));
    if (verdict !== undefined) return verdict;
  }
  return undefined;
}

export function assessGateway(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, gatewayConditions, listeners], obj, context);
}

function gatewayClassAccepted(obj: KubeObject): HealthResult | undefined {
  const current = currentConditions(obj, recordsAt(obj, ['status', 'conditions']));
  const accepted = current.find((entry) => entry.type === 'Accepted');
  if (accepted === undefined) return progressing('waiting for the controller to accept the GatewayClass');
  if (accepted.status === 'True') return healthy();
  const message = problem('', accepted);
  return accepted.status === 'False' && accepted.reason !== 'Pending'
    ? degraded(message)
    : progressing(message);
}

export function assessGatewayClass(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade([beingDeleted, gatewayClassAccepted], obj, context);
}

function parentName(parent: Record<string, unknown>): string {
  const name = stringAt(parent, ['parentRef', 'name']) ?? '?';
  const section = stringAt(parent, ['parentRef', 'sectionName']);
  return section === undefined ? name : `${name}/${section}`;
}

/** Every parent that judged the current generation must accept the route and resolve its backends. */
function routeParents(obj: KubeObject): HealthResult {
  const parents = recordsAt(obj, ['status', 'parents']);
  let judged = 0;
  for (const parent of parents) {
    const current = currentConditions(obj, recordsAt(parent, ['conditions']));
    if (current.length === 0) continue;
    judged += 1;
    const verdict = judge(`parent ${parentName(parent)}: `, current);
    if (verdict !== undefined) return verdict;
  }
  if (judged > 0) return healthy();
  return progressing(
    parents.length === 0
      ? 'waiting for a gateway to accept the route (status.parents is empty)'
      : 'waiting for the gateways to observe the current generation',
  );
}

const routeChecks: readonly HealthCheck[] = [beingDeleted, routeParents];

/** HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute. */
export function assessRoute(obj: KubeObject, context: HealthContext = {}): HealthResult {
  return runCascade(routeChecks, obj, context);
}
