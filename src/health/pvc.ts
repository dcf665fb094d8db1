/** Health of v1 PersistentVolumeClaim: Bound, Pending or Lost. */
import type { KubeObject } from '../core/objects.js';
import { beingDeleted } from './common.js';
import { stringAt } from './read.js';
import { degraded, healthy, progressing, runCascade, unknown } from './result.js';
import type { HealthCheck, HealthResult } from './types.js';

function claimPhase(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, ['status', 'phase']);
  const volume = stringAt(obj, ['spec', 'volumeName']);
  switch (phase) {
    case 'Bound':
      return healthy(volume === undefined ? 'claim bound' : `bound to volume ${volume}`);
    case undefined:
    case 'Pending': {
      // A WaitForFirstConsumer storage class binds only once a pod uses the claim.
      const storageClass = stringAt(obj, ['spec', 'storageClassName']);
      const from = storageClass === undefined ? '' : ` (storage class ${storageClass})`;
      return progressing(`waiting for the claim to be bound to a volume${from}`);
    }
    case 'Lost':
      return degraded(`claim lost its volume${volume === undefined ? '' : ` ${volume}`}`);
    default:
      return unknown(`claim phase ${phase}`);
  }
}

const checks: readonly HealthCheck[] = [beingDeleted, claimPhase];

export function assessPersistentVolumeClaim(obj: KubeObject): HealthResult {
  return runCascade(checks, obj, {});
}
