/**
 * Kubernetes Events: one Event on each Application a message lists (`kubectl describe application` and
 * `kubectl get events` show it), reason `Notify<Event>`, type Warning for failures and drift.
 */
import { randomBytes } from 'node:crypto';

import type { ObjectsApi } from '../../kube/objects-api.js';
import { MOORING_API_VERSION } from '../../app/model.js';
import type { Sink } from './types.js';

/** `sync-failed` -> `NotifySyncFailed`. Pure. */
export function eventReasonOf(event: string): string {
  return `Notify${event
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

export function kubeEventsSink(objects: ObjectsApi): Sink {
  return async (message) => {
    const now = new Date().toISOString();
    for (const app of message.apps) {
      const lines = [app.summary, ...app.details, ...(app.link === undefined ? [] : [app.link])];
      await objects.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: `${app.name}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`,
          namespace: app.namespace,
        },
        involvedObject: {
          apiVersion: MOORING_API_VERSION,
          kind: 'Application',
          name: app.name,
          namespace: app.namespace,
        },
        reason: eventReasonOf(message.event),
        message: lines.join('\n').slice(0, 1024),
        type: message.severity === 'success' || message.severity === 'info' ? 'Normal' : 'Warning',
        source: { component: 'mooring-notifications' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    }
    return {};
  };
}
