/**
 * How Mooring marks what an application owns: a label (so watches can select Mooring's objects cheaply) and
 * an annotation in Argo CD's tracking-id format (which also names the object, so a copy with a stale
 * annotation is recognised as not owned). Pure.
 */
import { MooringError } from '../core/errors.js';
import { refOf, sameRef } from '../core/objects.js';
import type { KubeObject, ObjectRef } from '../core/objects.js';

/** Label whose value is the owning application's name. */
export const TRACKING_LABEL = 'app.mooring.dev/name';
/** Annotation `<appName>:<group>/<kind>:<namespace>/<name>`. */
export const TRACKING_ANNOTATION = 'mooring.dev/tracking-id';

/** A Kubernetes label value: at most 63 characters, alphanumeric at both ends, `-_.` inside. */
const LABEL_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Throws INVALID_ARGUMENT unless `appName` can be a label value (and so a tracking id's first part). */
export function validateAppName(appName: string): void {
  if (appName.length <= 63 && LABEL_VALUE.test(appName)) return;
  throw new MooringError(
    'INVALID_ARGUMENT',
    `application name "${appName}" cannot be used as a label value`,
    {
      step: 'plan',
      hint: 'use at most 63 characters: letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    },
  );
}

/** The tracking annotation's value for an object of `appName`. */
export function trackingIdOf(appName: string, ref: ObjectRef): string {
  return `${appName}:${ref.group}/${ref.kind}:${ref.namespace}/${ref.name}`;
}

/** A parsed tracking annotation. */
export interface TrackingId {
  appName: string;
  ref: ObjectRef;
}

/**
 * Parses a tracking annotation; undefined if it is not one. Names may contain ':' and '/' (RBAC names do),
 * so each separator is taken at its first occurrence and the name is the rest.
 */
export function parseTrackingId(value: string): TrackingId | undefined {
  const appEnd = value.indexOf(':');
  const groupEnd = value.indexOf('/', appEnd + 1);
  const kindEnd = value.indexOf(':', groupEnd + 1);
  const namespaceEnd = value.indexOf('/', kindEnd + 1);
  if (appEnd <= 0 || groupEnd < 0 || kindEnd < 0 || namespaceEnd < 0) return undefined;
  const ref: ObjectRef = {
    group: value.slice(appEnd + 1, groupEnd),
    kind: value.slice(groupEnd + 1, kindEnd),
    namespace: value.slice(kindEnd + 1, namespaceEnd),
    name: value.slice(namespaceEnd + 1),
  };
  if (ref.kind === '' || ref.name === '' || ref.group.includes(':')) return undefined;
  return { appName: value.slice(0, appEnd), ref };
}

/**
 * True when `appName` owns the live object: its tracking annotation names the app AND the object itself. An
 * object copied from another (same annotation, other name or namespace) is not owned.
 */
export function isTrackedBy(liveObject: KubeObject, appName: string): boolean {
  const value = liveObject.metadata.annotations?.[TRACKING_ANNOTATION];
  if (value === undefined) return false;
  const tracking = parseTrackingId(value);
  return tracking?.appName === appName && sameRef(tracking.ref, refOf(liveObject));
}

/** A copy of `object` carrying the tracking label and annotation for `appName` and `ref`. */
export function withTracking(object: KubeObject, appName: string, ref: ObjectRef): KubeObject {
  const copy = structuredClone(object);
  copy.metadata.labels = { ...copy.metadata.labels, [TRACKING_LABEL]: appName };
  copy.metadata.annotations = {
    ...copy.metadata.annotations,
    [TRACKING_ANNOTATION]: trackingIdOf(appName, ref),
  };
  return copy;
}
