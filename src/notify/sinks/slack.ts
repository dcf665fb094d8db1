/**
 * Slack. With `url` in the Secret: an incoming webhook (POST {text, blocks}). With `token` and `channel`:
 * the Web API — chat.postMessage, then chat.update of that same message for later events of the same app
 * and commit (its `ts` kept in the policy status), so a sync that fails then recovers is one message.
 */
import { MooringError } from '../../core/errors.js';
import type { NotificationMessage } from '../message.js';
import { checkedUrl, post } from './http.js';
import type { Sink, SinkContext } from './types.js';
import { requiredKey } from './types.js';

const SLACK_API = 'https://slack.com/api';
const EMOJI = {
  success: ':white_check_mark:',
  failure: ':x:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Slack's mrkdwn needs &, < and > escaped. Pure. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Block Kit blocks of a message (header, one section per app, context). Pure. */
export function slackBlocks(message: NotificationMessage): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
  ];
  if (message.commit !== undefined)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: slackEscape(
            `commit: ${message.commit.message ?? ''}${message.commit.author === undefined ? '' : ` — ${message.commit.author}`}`,
          ),
        },
      ],
    });
  for (const app of message.apps) {
    const name =
      app.link === undefined ? `*${slackEscape(app.app)}*` : `*<${app.link}|${slackEscape(app.app)}>*`;
    const lines = [
      `${EMOJI[message.severity]} ${name}: ${slackEscape(app.summary.slice(app.app.length).replace(/^:?\s*/, ''))}`,
    ];
    for (const detail of app.details) lines.push(slackEscape(detail));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) } });
  }
  const more: string[] = [];
  if (message.moreApps > 0) more.push(`and ${String(message.moreApps)} more apps`);
  if (message.suppressed > 0)
    more.push(`and ${String(message.suppressed)} more events held back by the rate limit`);
  if (more.length > 0)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: more.join('; ') }] });
  return blocks.slice(0, 50);
}

export const slackSink: Sink = async (message, context) => {
  if (context.secret.token === undefined) {
    const url = checkedUrl(requiredKey(context, 'url'), context.http, context.config.name);
    const body = JSON.stringify({ text: message.text, blocks: slackBlocks(message) });
    await post(url, body, { 'Content-Type': 'application/json' }, context.http, context.config.name);
    return {};
  }
  return postOrUpdate(message, context);
};

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

async function postOrUpdate(
  message: NotificationMessage,
  context: SinkContext,
): Promise<{ posted?: { app: string; revision: string; message: { ts: string; channel: string } }[] }> {
  const token = requiredKey(context, 'token');
  const channel = requiredKey(context, 'channel');
  const base = (context.config.apiURL ?? SLACK_API).replace(/\/+$/, '');
  const only = message.apps.length === 1 && message.moreApps === 0 ? message.apps[0] : undefined;
  const revision = only?.revision;
  const previous =
    only === undefined || revision === undefined ? undefined : context.previous(only.app, revision);
  const method = previous === undefined ? 'chat.postMessage' : 'chat.update';
  const url = checkedUrl(`${base}/${method}`, context.http, context.config.name);
  const body = JSON.stringify({
    channel: previous?.channel ?? channel,
    ...(previous === undefined ? {} : { ts: previous.ts }),
    text: message.text,
    blocks: slackBlocks(message),
  });
  const response = await post(
    url,
    body,
    { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${token}` },
    context.http,
    context.config.name,
  );
  let answer: SlackAnswer;
  try {
    answer = JSON.parse(response.text) as SlackAnswer;
  } catch {
    answer = {};
  }
  if (answer.ok !== true)
    throw new MooringError(
      'API_ERROR',
      `sink ${context.config.name}: Slack ${method} failed: ${answer.error ?? 'no answer'}`,
      {
        subject: `sink/${context.config.name}`,
        retry: answer.error === 'ratelimited' ? 'transient' : 'terminal',
      },
    );
  if (only === undefined || revision === undefined || answer.ts === undefined) return {};
  return {
    posted: [{ app: only.app, revision, message: { ts: answer.ts, channel: answer.channel ?? channel } }],
  };
}
