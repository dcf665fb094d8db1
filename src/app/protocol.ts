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

/** `refresh` (the API) sets a time: look at Git now (a poll), without forcing a sync of a manual app. */
export const REFRESH_ANNOTATION = 'mooring.dev/refresh-requested-at';
/**
 * Who asked (set by the API beside a request annotation): JSON `{"by": user, "for": the request's value}`,
 * so a later request made without it (kubectl, the CLI) is never attributed to an earlier caller.
 */
export const REQUESTED_BY_ANNOTATION = 'mooring.dev/requested-by';

/** The request annotations the API may set, by action. */
export type RequestKind = 'sync' | 'rollback' | 'unpin' | 'refresh';

/** The merge patch that asks for a refresh (a poll now). Pure. */
export function refreshRequestPatch(now: Date): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [REFRESH_ANNOTATION]: now.toISOString() } } };
}

/**
 * Adds who asked to a request patch: the requested-by annotation names the request's own value. Pure.
 */
export function withRequester(
  patch: { metadata: { annotations: Record<string, string> } },
  user: string,
): { metadata: { annotations: Record<string, string> } } {
  const value = Object.values(patch.metadata.annotations)[0] ?? '';
  return {
    metadata: {
      annotations: {
        ...patch.metadata.annotations,
        [REQUESTED_BY_ANNOTATION]: JSON.stringify({ by: user, for: value }),
      },
    },
  };
}

/**
 * Who asked for the request that caused a sync with this trigger: the requested-by annotation when it names
 * the current value of the matching request annotation (manual: sync; rollback: rollback or unpin). Pure.
 */
export function requesterOf(app: KubeObject, trigger: string): string | undefined {
  const annotations = app.metadata.annotations ?? {};
  const raw = annotations[REQUESTED_BY_ANNOTATION];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { by, for: forValue } = parsed as { by?: unknown; for?: unknown };
  if (typeof by !== 'string' || typeof forValue !== 'string' || by === '') return undefined;
  const candidates =
    trigger === 'manual'
      ? [annotations[SYNC_REQUEST_ANNOTATION]]
      : trigger === 'rollback'
        ? [annotations[ROLLBACK_ANNOTATION], annotations[UNPIN_ANNOTATION]]
        : trigger === 'poll'
          ? [annotations[REFRESH_ANNOTATION]]
          : [];
  return candidates.includes(forValue) ? by.slice(0, 256) : undefined;
}

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
  refresh?: string;
}

/** Reads the request annotations of an Application. Pure. */
export function requestsOf(app: KubeObject): AppRequests {
  const annotations = app.metadata.annotations ?? {};
  const sync = annotations[SYNC_REQUEST_ANNOTATION];
  const rollback = annotations[ROLLBACK_ANNOTATION];
  const unpin = annotations[UNPIN_ANNOTATION];
  const delivery = annotations[DELIVERY_REQUEST_ANNOTATION];
  const what = delivery?.split('@')[0];
  const refresh = annotations[REFRESH_ANNOTATION];
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
    ...(refresh === undefined ? {} : { refresh }),
  };
}
