/**
 * The stable template annotation lives on the Deployment, where anyone allowed to edit that Deployment can
 * change it; status is written by the controller only. So status.delivery keeps the hash of the template
 * the controller last wrote there, and a sync refuses an annotation whose hash is another: otherwise the
 * stable would be put back to a template that never came from Git. Pure.
 */
import { MooringError } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import type { DeliveryStatus } from '../crd/delivery.js';
import { STABLE_TEMPLATE_ANNOTATION, templateHash } from './hold.js';

/**
 * The hashes the annotation may have: the recorded stable's, and during a promotion the promoted template's
 * (the promotion sync writes it; a controller stopped before recording it must accept it). Empty: nothing
 * recorded yet (a first deployment, or an app from before the hash was kept), the annotation is trusted once.
 */
export function acceptedStableHashes(status: DeliveryStatus | undefined): string[] {
  if (status?.stableTemplateHash === undefined) return [];
  return status.phase === 'Promoting' && status.templateHash !== undefined
    ? [status.stableTemplateHash, status.templateHash]
    : [status.stableTemplateHash];
}

/** The hash of a stable template annotation (undefined: not JSON, so not one Mooring wrote). */
export function annotationHash(text: string): string | undefined {
  try {
    return templateHash(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/**
 * Throws when the live target's stable template annotation is not the one status recorded. A missing
 * annotation is not checked: the sync then applies Git's template as it is (never one from the cluster).
 */
export function checkStableTemplate(
  live: KubeObject | undefined,
  status: DeliveryStatus | undefined,
  /** The hash this controller last recorded (its copy of status may be older than its own write). */
  recorded?: string,
): void {
  const text = live?.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION];
  if (live === undefined || text === undefined) return;
  const fromStatus = acceptedStableHashes(status);
  const accepted = recorded === undefined || fromStatus.length === 0 ? fromStatus : [...fromStatus, recorded];
  const hash = annotationHash(text);
  if (hash !== undefined && (accepted.length === 0 || accepted.includes(hash))) return;
  const subject = `Deployment/${live.metadata.namespace ?? ''}/${live.metadata.name}`;
  throw new MooringError(
    'UNSAFE_INPUT',
    `${subject}: annotation ${STABLE_TEMPLATE_ANNOTATION} was changed outside Mooring (${hash === undefined ? 'not JSON' : `template hash ${hash}`}, status.delivery.stableTemplateHash ${accepted[0] ?? '?'}): no rollout, nothing applied`,
    {
      step: 'validate',
      retry: 'terminal',
      subject,
      hint: `check who edited the Deployment; delete the annotation (the next sync applies Git's template directly) or restore it, then mooring sync`,
    },
  );
}

/** The hash to record after a sync: of the annotation the sync planned on the target (undefined: none). */
export function plannedStableHash(planned: KubeObject): string | undefined {
  const text = planned.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION];
  return text === undefined ? undefined : annotationHash(text);
}
