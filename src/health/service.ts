/** Health of v1 Service: only type LoadBalancer has something to wait for. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { loadBalancerAddressAssigned } from './loadbalancer.js';
import { stringAt } from './read.js';
import { healthy, runCascade } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

/** ClusterIP, NodePort and ExternalName work as soon as they exist. */
function serviceType(obj: KubeObject): HealthResult {
  return stringAt(obj, ['spec', 'type']) === 'LoadBalancer' ? loadBalancerAddressAssigned(obj) : healthy();
}

const checks: readonly HealthCheck[] = [beingDeleted, serviceType];

export function assessService(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
