import type { KubeObject } from '../core/objects.js';

/** Metadata the server writes on every change; never a difference that matters. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
] as const;

/** An object reduced to what a diff should compare: no status, no server bookkeeping. Pure. */
export function normalizeForCompare(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const key of SERVER_METADATA) Reflect.deleteProperty(metadata, key);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  // kubectl's client-side bookkeeping changes whenever someone runs kubectl apply; not desired state.
  Reflect.deleteProperty(annotations, 'kubectl.kubernetes.io/last-applied-configuration');
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else Reflect.deleteProperty(metadata, 'annotations');
  return { ...rest, metadata } as KubeObject;
}
