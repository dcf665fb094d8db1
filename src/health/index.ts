/**
 * Health assessment: pure per-kind cascades of small checks (the first that decides wins), generic rules for
 * every other kind, and aggregation. Entry point of the health stage; imports nothing that does I/O.
 */
import { groupOf, type KubeObject } from '../core/objects.js';
import { assessAPIService } from './apiservice.js';
import { assessCronJob } from './cronjob.js';
import { assessCustomResourceDefinition } from './crd.js';
import { assessDaemonSet } from './daemonset.js';
import { assessDeployment } from './deployment.js';
import { familyRule } from './families/index.js';
import { assessGeneric } from './generic.js';
import { assessHorizontalPodAutoscaler } from './hpa.js';
import { assessIngress } from './ingress.js';
import { assessJob } from './job.js';
import { assessNamespace } from './namespace.js';
import { assessPod } from './pod.js';
import { assessPersistentVolumeClaim } from './pvc.js';
import { assessReplicaSet } from './replicaset.js';
import { assessService } from './service.js';
import { assessStatefulSet } from './statefulset.js';
import type { HealthContext, HealthResult } from './types.js';

export { aggregateHealth, describeUnhealthy } from './aggregate.js';
export { HEALTH_SEVERITY, isSettled, severityRank } from './result.js';
export type { HealthCheck, HealthContext, HealthResult, HealthStatus, SubjectHealth } from './types.js';

type Assess = (obj: KubeObject, context: HealthContext) => HealthResult;

/** Rules by `group/kind` (core group is ''). */
const byGroupKind = new Map<string, Assess>([
  ['apps/Deployment', assessDeployment],
  ['apps/StatefulSet', assessStatefulSet],
  ['apps/DaemonSet', assessDaemonSet],
  ['apps/ReplicaSet', assessReplicaSet],
  ['/Pod', assessPod],
  ['batch/Job', assessJob],
  ['batch/CronJob', assessCronJob],
  ['/Service', assessService],
  ['networking.k8s.io/Ingress', assessIngress],
  ['extensions/Ingress', assessIngress],
  ['/PersistentVolumeClaim', assessPersistentVolumeClaim],
  ['apiextensions.k8s.io/CustomResourceDefinition', assessCustomResourceDefinition],
  ['apiregistration.k8s.io/APIService', assessAPIService],
  ['autoscaling/HorizontalPodAutoscaler', assessHorizontalPodAutoscaler],
  ['/Namespace', assessNamespace],
]);

/**
 * The health of one live object: the built-in kinds, then the custom-resource families (Argo, Flux,
 * cert-manager, Crossplane, Gateway API, ...), then the generic conventions. `undefined` (not found in the cluster) is Missing. `context.pods` are the
 * pods of a workload, already selected by the caller; with them, messages name the pods that hold a rollout
 * up and a crash-looping or image-pulling pod makes the workload Degraded.
 */
export function assessHealth(obj: KubeObject | undefined, context: HealthContext = {}): HealthResult {
  if (obj === undefined) return { status: 'Missing', message: 'not found in the cluster' };
  const assess =
    byGroupKind.get(`${groupOf(obj.apiVersion)}/${obj.kind}`) ?? familyRule(obj) ?? assessGeneric;
  return assess(obj, context);
}
