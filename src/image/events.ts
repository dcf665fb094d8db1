/**
 * The Event sink of the image scan controller: one Kubernetes Event per outcome worth telling (a scan that
 * found a different tag list, a new failure, a new latest image), on the ImageRepository or ImagePolicy.
 * Best effort: a failed Event write is logged at debug and never fails a scan.
 */
import { randomBytes } from 'node:crypto';

import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ImagePolicy } from '../crd/image-policy.js';
import type { ImageRepository } from '../crd/image-repository.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { ImageScanSink } from './scan-controller.js';
import type { ImageEvent } from './scan.js';

/** A sink writing Kubernetes Events, plus optional metrics callbacks. */
export function kubeEventSink(
  objects: ObjectsApi,
  logger: Logger,
  metrics: Pick<ImageScanSink, 'scanned' | 'imageChanged'> = {},
): ImageScanSink {
  return {
    ...metrics,
    event(object: ImageRepository | ImagePolicy, event: ImageEvent): void {
      void recordImageEvent(objects, object, event).catch((error: unknown) => {
        logger.debug({ err: errorMessage(error) }, 'image Event not recorded');
      });
    },
  };
}

async function recordImageEvent(
  objects: ObjectsApi,
  object: ImageRepository | ImagePolicy,
  event: ImageEvent,
): Promise<void> {
  const now = new Date().toISOString();
  const namespace = object.metadata.namespace;
  await objects.create({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${object.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`,
      namespace,
    },
    involvedObject: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      namespace,
      uid: object.metadata.uid,
    },
    reason: event.reason,
    message: event.message.slice(0, 1024),
    type: event.type,
    source: { component: 'mooring-controller' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
