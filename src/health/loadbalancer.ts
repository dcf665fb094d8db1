/** Shared by Service and Ingress: both wait for a load balancer to publish an address. */
import type { KubeObject } from '../core/objects.js';
import { recordsAt, stringAt } from './read.js';
import { healthy, progressing } from './result.js';
import type { HealthResult } from './types.js';

/** The IPs and hostnames in status.loadBalancer.ingress. */
export function loadBalancerAddresses(obj: KubeObject): string[] {
  return recordsAt(obj, ['status', 'loadBalancer', 'ingress'])
    .map((entry) => stringAt(entry, ['ip']) ?? stringAt(entry, ['hostname']) ?? '')
    .filter((address) => address !== '');
}

/** Healthy once status.loadBalancer.ingress holds an IP or hostname. */
export function loadBalancerAddressAssigned(obj: KubeObject): HealthResult {
  const addresses = loadBalancerAddresses(obj);
  return addresses.length === 0
    ? progressing('waiting for a load balancer address (status.loadBalancer.ingress)')
    : healthy(`load balancer at ${addresses.join(', ')}`);
}
