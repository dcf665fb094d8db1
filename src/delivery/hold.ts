/**
 * The engine hook of progressive delivery: decides, from the planned target Deployment and its live copy,
 * whether this sync applies the Deployment as Git has it or holds its new pod template back for a rollout.
 * The template last promoted is kept on the Deployment in an annotation, so "would this sync change the pod
 * template?" compares Git with Git (no server defaults in the way) and survives a controller restart. Pure.
 */
import { createHash } from 'node:crypto';

import type { KubeObject } from '../core/objects.js';
import type { DeliverySpec } from '../crd/delivery.js';
import type { PlannedObject } from '../plan/types.js';
import { splitReplicas, weightsOf } from './machine.js';

/** The pod template (as in Git) the stable Deployment runs: canonical JSON. */
export const STABLE_TEMPLATE_ANNOTATION = 'mooring.dev/delivery-stable-template';
/** On the canary's pods: what the built-in queries select (track="canary"). */
export const TRACK_LABEL = 'mooring.dev/track';

export type HoldDecision =
  /** Applied as Git has it: no live copy yet, no annotation yet (adopted), or promotion of `template`. */
  | { kind: 'direct'; reason: string }
  /** Same template as the stable: applied, replicas at the rollout's split when one is running. */
  | { kind: 'unchanged' }
  /** A new template: the stable keeps the old one; the new one goes to the canary (or the preview). */
  | { kind: 'held'; template: Record<string, unknown>; templateHash: string; replicas: number };

/** What the reconciler knows of a rollout in progress. */
export interface RolloutView {
  templateHash: string;
  /** Canary weight now. */
  weight: number;
  /** Set once analysis passed: the next sync gives the stable the new template. */
  promoting: boolean;
}

export function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, sorted(x)]),
    );
  };
  return JSON.stringify(sorted(value));
}

export function templateHash(template: unknown): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 16);
}

/** The planned target Deployment of a delivery, if the plan has it. */
export function targetOf(
  planned: readonly PlannedObject[],
  delivery: DeliverySpec,
  namespace: string,
): PlannedObject | undefined {
  return planned.find(
    (p) =>
      p.ref.kind === 'Deployment' &&
      p.ref.group === 'apps' &&
      p.ref.name === delivery.target &&
      p.ref.namespace === namespace &&
      p.hookDeletePolicies === undefined,
  );
}

interface DeploymentShape {
  metadata: { annotations?: Record<string, string> };
  spec: { replicas?: number; template: Record<string, unknown> };
}

/**
 * Rewrites the planned target in place: the stable template annotation is always set; a new template is
 * swapped back to the stable one (held) unless the rollout is promoting it; replicas follow the split.
 */
export function holdBack(
  delivery: DeliverySpec,
  planned: PlannedObject,
  live: KubeObject | undefined,
  rollout: RolloutView | undefined,
): HoldDecision {
  const object = planned.object as unknown as DeploymentShape;
  const total = object.spec.replicas ?? 1;
  const gitTemplate = object.spec.template;
  const hash = templateHash(gitTemplate);
  const annotate = (template: unknown): void => {
    object.metadata.annotations = {
      ...object.metadata.annotations,
      [STABLE_TEMPLATE_ANNOTATION]: canonicalJson(template),
    };
  };
  const stableText = live?.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION];
  if (live === undefined || stableText === undefined) {
    annotate(gitTemplate);
    return { kind: 'direct', reason: live === undefined ? 'first deployment' : 'first sync with delivery' };
  }
  if (rollout?.promoting === true && rollout.templateHash === hash) {
    annotate(gitTemplate);
    return { kind: 'direct', reason: 'promotion' };
  }
  const stable = JSON.parse(stableText) as Record<string, unknown>;
  annotate(stable);
  if (templateHash(stable) === hash) {
    if (rollout !== undefined) object.spec.replicas = splitReplicas(total, rollout.weight).stable;
    return { kind: 'unchanged' };
  }
  object.spec.template = stable;
  const weight = rollout?.templateHash === hash ? rollout.weight : (weightsOf(delivery)[0] ?? 0);
  object.spec.replicas = splitReplicas(total, weight).stable;
  return { kind: 'held', template: gitTemplate, templateHash: hash, replicas: total };
}
