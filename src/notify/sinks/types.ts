/**
 * What every sink is given and returns. A sink turns one NotificationMessage into the request its service
 * documents; credentials come from the Secret the policy names (already read), never from the policy.
 */
import type { NotificationSink } from '../../crd/notification-policy.js';
import type { NotificationMessage } from '../message.js';
import type { HttpOptions } from './http.js';

/** A message already posted for an app and commit (Slack: updated in place instead of posted again). */
export interface PostedMessage {
  ts: string;
  channel: string;
}

export interface SinkContext {
  config: NotificationSink;
  /** The Secret's data, decoded (empty when the sink names none). */
  secret: Readonly<Record<string, string>>;
  http: HttpOptions;
  /** The message posted earlier for this app and commit, if any. */
  previous: (app: string, revision: string) => PostedMessage | undefined;
}

export interface SinkResult {
  /** Messages posted (app, commit -> ts), kept in the policy status for later updates. */
  posted?: { app: string; revision: string; message: PostedMessage }[];
}

/** Sends one message. Throws a MooringError when the service refuses or cannot be reached. */
export type Sink = (message: NotificationMessage, context: SinkContext) => Promise<SinkResult>;

/** A Secret key a sink needs, or INVALID_ARGUMENT naming it (never its value). */
export function requiredKey(context: SinkContext, key: string): string {
  const value = context.secret[key];
  if (value === undefined || value.trim() === '') {
    const secret = context.config.secretRef?.name ?? '(none)';
    throw new MissingKeyError(context.config.name, secret, key);
  }
  return value.trim();
}

import { MooringError } from '../../core/errors.js';

class MissingKeyError extends MooringError {
  constructor(sink: string, secret: string, key: string) {
    super('INVALID_ARGUMENT', `sink ${sink}: Secret ${secret} has no key ${key}`, {
      subject: `sink/${sink}`,
      retry: 'terminal',
      hint: `add ${key} to the Secret named by the sink's secretRef`,
    });
  }
}
