/**
 * Mooring's own webhook for senders without one of the known formats (a CI job, a script):
 * `{repoURL, branch? | tag?, paths?, revision?}` signed like GitHub in X-Mooring-Signature. Pure.
 */
import { invalidPayload, optionalString, pushEvent, requireRecord } from './payload-fields.js';
import type { WebhookOutcome } from './types.js';

/** The body a generic sender posts. Exactly one of branch and tag. */
export interface GenericPushBody {
  repoURL: string;
  branch?: string;
  tag?: string;
  /** Files or folders the change touched, relative to the repository root; omit when unknown. */
  paths?: string[];
  /** The commit the ref now points at. */
  revision?: string;
}

/** Turns a generic push body into one PushEvent; refuses bodies that name no repo or no single ref. */
export function parseGenericDelivery(payload: unknown): WebhookOutcome {
  const body = requireRecord('generic', payload, 'the payload');
  const repoURL = optionalString(body.repoURL);
  if (repoURL === undefined) throw invalidPayload('generic', 'repoURL must be a non-empty string');
  const branch = stringField(body, 'branch');
  const tag = stringField(body, 'tag');
  if ((branch === undefined) === (tag === undefined))
    throw invalidPayload('generic', 'give exactly one of branch and tag');
  const target = branch !== undefined ? { branch } : { tag: tag as string };
  return {
    kind: 'push',
    events: [pushEvent('generic', [repoURL], target, stringField(body, 'revision'), pathsOf(body.paths))],
  };
}

function stringField(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  const text = optionalString(value);
  if (text === undefined) throw invalidPayload('generic', `${field} must be a non-empty string`);
  return text;
}

/** An empty list says nothing useful, so it is treated like a missing one: refresh everything. */
function pathsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((path) => typeof path === 'string'))
    throw invalidPayload('generic', 'paths must be a list of strings');
  const paths = [...new Set(value.filter((path) => path.length > 0))].sort();
  return paths.length === 0 ? undefined : paths;
}
