/**
 * The egress policy of tests whose receivers (sinks, Prometheus, registries, Git hosts) listen on loopback:
 * the product default refuses loopback, so tests allow exactly it, and nothing else the default denies.
 */
import { Egress } from '../../src/net/egress.js';
import { egressPolicy } from '../../src/net/egress-policy.js';

/** The `--egress-allow-cidr` values of a controller process started by a test. */
export const LOOPBACK_CIDRS = ['127.0.0.0/8', '::1/128'];

/** An Egress that reaches loopback (and public addresses), as `--egress-allow-cidr 127.0.0.0/8,::1/128`. */
export function loopbackEgress(): Egress {
  return new Egress(egressPolicy(LOOPBACK_CIDRS));
}
