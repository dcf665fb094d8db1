/**
 * A custom resource with no status yet, whose CRD declares a status subresource, is waiting for its
 * controller. Some CRDs declare the subresource but no controller ever writes it (config-only kinds): the
 * way out is the annotation `mooring.dev/expect-status: "false"`, on the object (one object) or on the CRD
 * (every object of the kind, cluster-wide).
 */
import { fieldAt, isRecord, type KubeObject, versionOf } from '../core/objects.js';
import { recordsAt, stringAt } from './read.js';
import { progressing } from './result.js';
import type { HealthContext, HealthResult } from './types.js';

/** Annotation that says a kind (on its CRD) or one object never gets a status from a controller. */
export const EXPECT_STATUS_ANNOTATION = 'mooring.dev/expect-status';

/** True when the object, or the CRD of its kind, says no controller will ever report a status. */
export function statusNotExpected(obj: KubeObject, context: HealthContext): boolean {
  return statusOptOut(obj) || statusOptOut(context.crd);
}

function statusOptOut(obj: KubeObject | undefined): boolean {
  return stringAt(obj, ['metadata', 'annotations', EXPECT_STATUS_ANNOTATION])?.toLowerCase() === 'false';
}

/** True when the CRD's entry for `version` (or, without one, any served version) has subresources.status. */
export function declaresStatusSubresource(crd: KubeObject, version: string): boolean {
  const versions = recordsAt(crd, ['spec', 'versions']);
  const entry = versions.find((candidate) => candidate.name === version);
  const chosen = entry === undefined ? versions : [entry];
  if (chosen.some((candidate) => isRecord(fieldAt(candidate, ['subresources', 'status'])))) return true;
  // apiextensions v1beta1 kept subresources at spec level.
  return isRecord(fieldAt(crd, ['spec', 'subresources', 'status']));
}

function hasStatus(obj: KubeObject): boolean {
  const status = fieldAt(obj, ['status']);
  return isRecord(status) && Object.keys(status).length > 0;
}

export function awaitingStatus(obj: KubeObject, context: HealthContext): HealthResult | undefined {
  const crd = context.crd;
  if (crd === undefined || hasStatus(obj)) return undefined;
  if (statusOptOut(obj) || statusOptOut(crd)) return undefined;
  if (!declaresStatusSubresource(crd, versionOf(obj.apiVersion))) return undefined;
  return progressing(
    `waiting for its controller to report status (the CRD ${crd.metadata.name} has a status subresource; ` +
      `annotate the object or the CRD with ${EXPECT_STATUS_ANNOTATION}: "false" if none ever comes)`,
  );
}
