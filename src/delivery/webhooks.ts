/**
 * Webhook gates in Flagger's shape: a POST of {name, namespace, phase, checksum, metadata}; any 2xx answer
 * passes the gate, anything else (or no answer within the timeout) holds it.
 */
import { durationMs } from '../crd/common.js';
import type { WebhookSpec, WebhookType } from '../crd/delivery.js';
import { errorMessage } from '../core/errors.js';
import type { EgressFetch } from '../net/egress.js';
import type { Gate } from './machine.js';

const PHASES: Record<WebhookType, string> = {
  'pre-rollout': 'Progressing',
  rollout: 'Progressing',
  'confirm-promotion': 'Promoting',
  'post-rollout': 'Succeeded',
};

/** Every webhook of `type`, in order; undefined when there is none (no gate). */
export async function runGates(
  hooks: readonly WebhookSpec[] | undefined,
  type: WebhookType,
  subject: { name: string; namespace: string; checksum: string },
  fetch: EgressFetch,
): Promise<Gate | undefined> {
  const chosen = (hooks ?? []).filter((h) => h.type === type);
  if (chosen.length === 0) return undefined;
  for (const hook of chosen) {
    const body = JSON.stringify({
      name: subject.name,
      namespace: subject.namespace,
      phase: PHASES[type],
      checksum: subject.checksum,
      type,
      metadata: hook.metadata ?? {},
    });
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(durationMs(hook.timeout)),
      });
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299)
        return { passed: false, message: `gate ${hook.name} answered ${response.status}` };
    } catch (error) {
      return { passed: false, message: `gate ${hook.name} did not answer: ${errorMessage(error)}` };
    }
  }
  return { passed: true, message: `${chosen.map((h) => h.name).join(', ')} passed` };
}
