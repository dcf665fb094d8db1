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

/**
 * Healthy once status.loadBalancer.ingress holds an IP or hostname. Until then the message says who should
 * have published one: a load-balancer controller (Service) or an ingress controller (Ingress) — on a local
 * cluster often none is installed, and waiting longer will not help.
 */
export function loadBalancerAddressAssigned(obj: KubeObject): HealthResult {
  const addresses = loadBalancerAddresses(obj);
  if (addresses.length > 0) return healthy(`load balancer at ${addresses.join(', ')}`);
  if (obj.kind === 'Ingress') {
    const className = stringAt(obj, ['spec', 'ingressClassName']);
    const forClass = className === undefined ? '' : ` for class "${className}"`;
    return progressing(
      `no ingress controller${forClass} has assigned an address yet (status.loadBalancer.ingress is empty); ` +
        'is one installed and serving this Ingress?',
    );
  }
  return progressing(
    'no load-balancer controller has assigned an address yet (status.loadBalancer.ingress is empty); ' +
      'on a local cluster install one (cloud-provider-kind, minikube tunnel, MetalLB), or use type NodePort',
  );
}
