import { randomBytes } from 'node:crypto';

import type { ObjectsApi } from '../kube/objects-api.js';
import type { Application } from '../app/model.js';
import { MOORING_API_VERSION } from '../app/model.js';

/** Records a Kubernetes Event on an Application (kubectl describe shows it). Best effort: never throws. */
export async function recordEvent(
  objects: ObjectsApi,
  app: Application,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component = 'mooring-controller',
): Promise<void> {
  const now = new Date().toISOString();
  const ns = app.metadata.namespace;
  try {
    await objects.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${app.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: MOORING_API_VERSION,
        kind: 'Application',
        name: app.metadata.name,
        namespace: ns,
        uid: app.metadata.uid,
      },
      reason,
      message: message.slice(0, 1024),
      type,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  } catch {
    // Events are advisory.
  }
}
