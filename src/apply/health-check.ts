import type { KubeObject } from '../core/objects.js';
import { groupOf, isRecord, subjectOf } from '../core/objects.js';
import { mapLimited } from '../core/limit.js';
import { pollUntil } from '../core/wait.js';
import { MooringError } from '../core/errors.js';
import { aggregateHealth, assessHealth, describeUnhealthy } from '../health/index.js';
import type { HealthContext, HealthResult } from '../health/types.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { PlannedObject } from '../plan/types.js';

const WORKLOADS_WITH_PODS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** API groups served by Kubernetes itself (never by a CRD) that contain a dot. */
const BUILT_IN_GROUPS = new Set([
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'certificates.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
]);

/**
 * The CRD of a custom resource that has no status yet, so health can tell "its controller has not reported
 * yet" (the CRD declares a status subresource) from "this kind never gets a status". Any failure (no CRD
 * because an aggregated API serves the kind, no RBAC to read CRDs) means "not known": health then judges
 * the object without it.
 */
async function crdOf(objects: ObjectsApi, live: KubeObject): Promise<KubeObject | undefined> {
  if (isRecord(live.status) && Object.keys(live.status).length > 0) return undefined;
  const group = groupOf(live.apiVersion);
  if (!group.includes('.') || BUILT_IN_GROUPS.has(group)) return undefined;
  try {
    const info = await objects.resourceOf(live.apiVersion, live.kind);
    return await objects.get('apiextensions.k8s.io/v1', {
      group: 'apiextensions.k8s.io',
      kind: 'CustomResourceDefinition',
      namespace: '',
      name: `${info.resource}.${info.group}`,
    });
  } catch {
    return undefined;
  }
}

export interface SubjectHealth {
  subject: string;
  result: HealthResult;
}

/** How one live object is judged: the built-in rules, or custom checks in front of them. */
export type AssessHealth = (obj: KubeObject | undefined, context: HealthContext) => HealthResult;

/** The health of each object as it is now in the cluster (with its pods, for workloads). */
export async function currentHealth(
  objects: ObjectsApi,
  planned: PlannedObject[],
  concurrency = 8,
  assess: AssessHealth = assessHealth,
): Promise<SubjectHealth[]> {
  const results = await mapLimited(planned, concurrency, async (p) => {
    const live = await objects.get(p.object.apiVersion, p.ref);
    const pods =
      live !== undefined && WORKLOADS_WITH_PODS.has(p.ref.kind) ? await podsOf(objects, live) : undefined;
    const crd = live === undefined ? undefined : await crdOf(objects, live);
    const context = { ...(pods === undefined ? {} : { pods }), ...(crd === undefined ? {} : { crd }) };
    return { subject: subjectOf(p.ref), result: assess(live, context) };
  });
  return results.map((r, i) =>
    r.status === 'fulfilled'
      ? r.value
      : {
          subject: subjectOf((planned[i] as PlannedObject).ref),
          result: { status: 'Unknown' as const, message: String(r.reason) },
        },
  );
}

async function podsOf(objects: ObjectsApi, workload: KubeObject): Promise<KubeObject[]> {
  return selectedBy(objects, workload, 'v1', 'Pod');
}

/**
 * The objects of `kind` in the workload's namespace that its `spec.selector.matchLabels` selects (its pods;
 * a Deployment's ReplicaSets): one LIST. A workload without matchLabels selects nothing.
 */
export async function selectedBy(
  objects: ObjectsApi,
  workload: KubeObject,
  apiVersion: string,
  kind: string,
): Promise<KubeObject[]> {
  const selector = (workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)
    ?.selector;
  const labels = isRecord(selector?.matchLabels) ? selector.matchLabels : undefined;
  if (labels === undefined || Object.keys(labels).length === 0) return [];
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return objects.list(apiVersion, kind, {
    namespace: workload.metadata.namespace ?? 'default',
    labelSelector,
  });
}

/**
 * Waits until every object is Healthy (Suspended counts as settled). Degraded objects fail fast only
 * after `degradedGraceMs` (a rollout may pass through a bad state). On timeout the error lists what is
 * still not ready and why.
 */
export async function waitHealthy(
  objects: ObjectsApi,
  planned: PlannedObject[],
  options: { timeoutMs: number; intervalMs?: number; what: string; assess?: AssessHealth | undefined },
): Promise<HealthResult> {
  if (planned.length === 0) return { status: 'Healthy', message: '' };
  let last: SubjectHealth[] = [];
  try {
    await pollUntil(
      async (note) => {
        last = await currentHealth(objects, planned, 8, options.assess);
        const settled = last.every((h) => h.result.status === 'Healthy' || h.result.status === 'Suspended');
        note(describeUnhealthy(last));
        return settled ? true : undefined;
      },
      { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 500, what: options.what },
    );
  } catch (error) {
    if (error instanceof MooringError && error.code === 'TIMEOUT') {
      throw new MooringError(
        'HEALTH_TIMEOUT',
        `${options.what} did not become healthy within ${options.timeoutMs / 1000} s: ${describeUnhealthy(last)}`,
        {
          step: 'wait',
          hint: timeoutHint(last),
        },
      );
    }
    throw error;
  }
  return aggregateHealth(last);
}

/** What to do after a timed-out wait: waiting longer does not help when no controller serves an address. */
function timeoutHint(last: readonly SubjectHealth[]): string {
  const noController = last.some((h) => /^no (ingress|load-balancer) controller/.test(h.result.message));
  return noController
    ? 'no controller assigns addresses in this cluster: install one (an ingress controller; cloud-provider-kind, minikube tunnel or MetalLB for LoadBalancer Services) — `mooring dev cluster` clusters have both'
    : 'look at the objects named above (kubectl describe); raise --timeout if the rollout is just slow';
}
