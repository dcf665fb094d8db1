/**
 * Microsoft Teams through a Workflows ("Post to a channel when a webhook request is received") URL: a
 * `message` whose one attachment is an Adaptive Card (application/vnd.microsoft.card.adaptive).
 */
import type { NotificationMessage } from '../message.js';
import { checkedUrl, post } from './http.js';
import type { Sink } from './types.js';
import { requiredKey } from './types.js';

const COLOR = { success: 'Good', failure: 'Attention', warning: 'Warning', info: 'Default' } as const;

/** The Adaptive Card of a message. Pure. */
export function adaptiveCard(message: NotificationMessage): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: message.title,
      weight: 'Bolder',
      size: 'Medium',
      color: COLOR[message.severity],
      wrap: true,
    },
  ];
  if (message.commit !== undefined)
    body.push({
      type: 'TextBlock',
      text: `commit: ${message.commit.message ?? ''}${message.commit.author === undefined ? '' : ` — ${message.commit.author}`}`,
      isSubtle: true,
      wrap: true,
    });
  for (const app of message.apps) {
    body.push({ type: 'TextBlock', text: app.summary, wrap: true, separator: true });
    if (app.details.length > 0)
      body.push({ type: 'TextBlock', text: app.details.join('\n\n'), wrap: true, isSubtle: true });
  }
  const more: string[] = [];
  if (message.moreApps > 0) more.push(`and ${String(message.moreApps)} more apps`);
  if (message.suppressed > 0)
    more.push(`and ${String(message.suppressed)} more events held back by the rate limit`);
  if (more.length > 0) body.push({ type: 'TextBlock', text: more.join('; '), isSubtle: true, wrap: true });
  const links = message.apps.filter((a) => a.link !== undefined).slice(0, 5);
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(links.length === 0
      ? {}
      : { actions: links.map((a) => ({ type: 'Action.OpenUrl', title: `Open ${a.name}`, url: a.link })) }),
  };
}

/** The Workflows webhook body. Pure. */
export function teamsBody(message: NotificationMessage): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: adaptiveCard(message),
      },
    ],
  };
}

export const teamsSink: Sink = async (message, context) => {
  const url = checkedUrl(requiredKey(context, 'url'), context.http, context.config.name);
  await post(
    url,
    JSON.stringify(teamsBody(message)),
    { 'Content-Type': 'application/json' },
    context.http,
    context.config.name,
  );
  return {};
};
