/**
 * How a client (the CLI, later the API) asks the controller for something: an annotation on the
 * Application whose every new value is one request. The controller reads them with `requestsOf`.
 */
import type { KubeObject } from '../core/objects.js';

/** Annotation `mooring sync` sets to ask for a sync now; any new value triggers one. */
export const SYNC_REQUEST_ANNOTATION = 'mooring.dev/sync-requested-at';
/** `mooring rollback` sets `<commit or previous>@<time>`. */
export const ROLLBACK_ANNOTATION = 'mooring.dev/rollback-to';
/** `mooring unpin` sets a time. */
export const UNPIN_ANNOTATION = 'mooring.dev/unpin-requested-at';

/** `mooring promote` / `mooring abort` set `promote@<time>` / `abort@<time>` (spec.delivery rollouts). */
export const DELIVERY_REQUEST_ANNOTATION = 'mooring.dev/delivery-request';

/** The merge patch that asks to promote or abort the rollout in progress. Pure. */
export function deliveryRequestPatch(
  what: 'promote' | 'abort',
  now: Date,
): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [DELIVERY_REQUEST_ANNOTATION]: `${what}@${now.toISOString()}` } } };
}

/** The merge patch that asks for a sync now. Pure. */
export function syncRequestPatch(now: Date): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [SYNC_REQUEST_ANNOTATION]: now.toISOString() } } };
}

/** The merge patch that asks for a rollback to `target` (a commit, or 'previous'). Pure. */
export function rollbackRequestPatch(
  target: string,
  now: Date,
): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [ROLLBACK_ANNOTATION]: `${target}@${now.toISOString()}` } } };
}

/** The merge patch that asks to follow the tracked ref again. Pure. */
export function unpinRequestPatch(now: Date): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [UNPIN_ANNOTATION]: now.toISOString() } } };
}

/** The requests an Application carries, each with the value that identifies it (a new value: a new request). */
export interface AppRequests {
  sync?: string;
  rollback?: { value: string; target: string };
  unpin?: string;
  delivery?: { value: string; what: 'promote' | 'abort' };
}

/** Reads the request annotations of an Application. Pure. */
export function requestsOf(app: KubeObject): AppRequests {
  const annotations = app.metadata.annotations ?? {};
  const sync = annotations[SYNC_REQUEST_ANNOTATION];
  const rollback = annotations[ROLLBACK_ANNOTATION];
  const unpin = annotations[UNPIN_ANNOTATION];
  const delivery = annotations[DELIVERY_REQUEST_ANNOTATION];
  const what = delivery?.split('@')[0];
  const at = rollback?.lastIndexOf('@') ?? -1;
  return {
    ...(sync === undefined ? {} : { sync }),
    ...(rollback === undefined
      ? {}
      : { rollback: { value: rollback, target: at < 0 ? rollback : rollback.slice(0, at) } }),
    ...(unpin === undefined ? {} : { unpin }),
    ...(delivery !== undefined && (what === 'promote' || what === 'abort')
      ? { delivery: { value: delivery, what } }
      : {}),
  };
}
