/** Health of networking.k8s.io/v1 Ingress: the ingress controller publishes a load balancer address. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { loadBalancerAddressAssigned } from './loadbalancer.js';
import { runCascade } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

const checks: readonly HealthCheck[] = [beingDeleted, loadBalancerAddressAssigned];

export function assessIngress(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
