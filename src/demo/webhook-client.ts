import { MooringError } from '../core/errors.js';
import type { GenericPushBody } from '../controller/webhook/index.js';
import { signBody, WEBHOOK_PATH } from '../controller/webhook/index.js';

/**
 * Tells the controller's webhook receiver about a push, the way a CI job would: Mooring's generic
 * webhook body, signed with the shared secret. Resolves to the apps the controller refreshes.
 */
export async function sendPushWebhook(
  receiverURL: string,
  secret: string,
  push: GenericPushBody,
): Promise<string[]> {
  const body = JSON.stringify(push);
  const response = await fetch(`${receiverURL}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mooring-signature': signBody(secret, body) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json().catch(() => ({}))) as { refreshed?: string[]; error?: string };
  if (!response.ok) {
    throw new MooringError(
      'API_ERROR',
      `the webhook receiver answered ${response.status}: ${answer.error ?? ''}`,
    );
  }
  return answer.refreshed ?? [];
}
