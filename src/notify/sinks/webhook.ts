/**
 * Generic webhook: the message as JSON, POSTed to the Secret's `url`, signed like GitHub's webhooks:
 * `X-Mooring-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the Secret's `secret` (when set).
 */
import { createHmac } from 'node:crypto';

import type { NotificationMessage } from '../message.js';
import { checkedUrl, post } from './http.js';
import type { Sink } from './types.js';
import { requiredKey } from './types.js';

/** The JSON body receivers get. Pure. */
export function webhookBody(message: NotificationMessage, sentAt: string): Record<string, unknown> {
  return {
    policy: message.policy,
    event: message.event,
    severity: message.severity,
    title: message.title,
    text: message.text,
    ...(message.revision === undefined ? {} : { revision: message.revision }),
    ...(message.commit === undefined ? {} : { commit: message.commit }),
    apps: message.apps,
    moreApps: message.moreApps,
    suppressed: message.suppressed,
    sentAt,
  };
}

/** `sha256=<hex>` of the raw body with `secret`. Pure. */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export const webhookSink: Sink = async (message, context) => {
  const url = checkedUrl(requiredKey(context, 'url'), context.http, context.config.name);
  const body = JSON.stringify(webhookBody(message, new Date().toISOString()));
  const secret = context.secret.secret;
  await post(
    url,
    body,
    {
      'Content-Type': 'application/json',
      'X-Mooring-Event': message.event,
      ...(secret === undefined || secret === ''
        ? {}
        : { 'X-Mooring-Signature': webhookSignature(secret, body) }),
    },
    context.http,
    context.config.name,
  );
  return {};
};
