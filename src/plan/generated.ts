/**
 * Hooks that use metadata.generateName (Argo CD and Helm hook Jobs often do): each sync creates a fresh
 * object, labelled with the hook it comes from so the next run can find the previous ones
 * (BeforeHookCreation), and annotated with the sync that created it. They are never in the inventory, never
 * pruned as application objects and never compared for drift. Pure.
 */
import { createHash } from 'node:crypto';

import { MooringError } from '../core/errors.js';
import type { KubeObject } from '../core/objects.js';
import { objectId, subjectOf } from '../core/objects.js';
import { TRACKING_ANNOTATION, TRACKING_LABEL } from './tracking.js';
import type { PlannedObject } from './types.js';

/** Label naming the hook a generated object was created from (a hash of the app and the hook's id). */
export const HOOK_ID_LABEL = 'hooks.mooring.dev/id';
/** Annotation naming the sync that created a generated hook object: `<revision or "local">@<ISO time>`. */
export const HOOK_SYNC_ANNOTATION = 'hooks.mooring.dev/created-by-sync';

/** Marks a stand-in name (see src/render/parse.ts): real names never contain "*". */
const GENERATED_MARK = '*';

/** The generateName prefix of a rendered object whose name is a stand-in, or undefined. */
export function generatedPrefixOf(object: KubeObject): string | undefined {
  const prefix = object.metadata.generateName;
  if (typeof prefix !== 'string') return undefined;
  return object.metadata.name === `${prefix}${GENERATED_MARK}` ? prefix : undefined;
}

/** True for a hook whose objects the API server names (generateName). */
export function isGenerated(planned: PlannedObject): boolean {
  return planned.generateName !== undefined;
}

/** The value of HOOK_ID_LABEL for a hook of `appName`: short, stable, a valid label value. */
export function hookIdLabelValue(appName: string, hookId: string): string {
  return createHash('sha256').update(`${appName}\n${hookId}`).digest('hex').slice(0, 40);
}

/** The label selector that finds every object created from one generated hook of an app. */
export function generatedHookSelector(planned: PlannedObject): string {
  const labels = planned.object.metadata.labels ?? {};
  return Object.entries(labels)
    .filter(([key]) => key === HOOK_ID_LABEL || key === TRACKING_LABEL)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/**
 * Marks a planned object's manifest as a generated hook: the hook label, and no tracking annotation (it
 * would name the stand-in). Objects keep the tracking label, so `kubectl get -l` finds them with the app.
 */
export function markGenerated(object: KubeObject, appName: string, hookId: string): KubeObject {
  const copy = structuredClone(object);
  copy.metadata.labels = { ...copy.metadata.labels, [HOOK_ID_LABEL]: hookIdLabelValue(appName, hookId) };
  const { [TRACKING_ANNOTATION]: _tracking, ...annotations } = copy.metadata.annotations ?? {};
  copy.metadata.annotations = annotations;
  return copy;
}

/**
 * The manifest to POST for one run: no name (the server generates it from generateName), the sync that
 * creates it recorded.
 */
export function creationManifest(planned: PlannedObject, syncLabel: string): KubeObject {
  const { name: _standIn, ...metadata } = planned.object.metadata;
  // The one KubeObject without a name: the API server gives it one from generateName.
  const manifest: unknown = {
    ...planned.object,
    metadata: {
      ...metadata,
      annotations: { ...planned.object.metadata.annotations, [HOOK_SYNC_ANNOTATION]: syncLabel },
    },
  };
  return manifest as KubeObject;
}

/** The error for an object that uses generateName without being a hook (its hook annotation said Sync/ordinary). */
export function refuseGeneratedNonHooks(planned: readonly PlannedObject[]): void {
  const wrong = planned.find((p) => p.generateName !== undefined && p.hookDeletePolicies === undefined);
  if (wrong === undefined) return;
  const subject = subjectOf(wrong.ref);
  throw new MooringError(
    'INVALID_MANIFEST',
    `${subject} uses metadata.generateName but is not a hook: only hooks may, as each sync creates a fresh one; an application object needs a fixed metadata.name to be tracked, compared and pruned`,
    {
      step: 'plan',
      subject,
      hint: 'give it a metadata.name, or make it a hook (argocd.argoproj.io/hook: PreSync, helm.sh/hook: pre-install, mooring.dev/hook: PostSync)',
    },
  );
}

/**
 * Two hooks may share a generateName prefix (one per phase, say): each needs its own identity, so the second
 * and later ones become `<prefix>*2`, `<prefix>*3`, ... in manifest order, with their own hook label. Other
 * duplicates are left for the duplicate check. Returns a new list.
 */
export function numberGeneratedTwins(planned: readonly PlannedObject[], appName: string): PlannedObject[] {
  const seen = new Map<string, number>();
  return planned.map((p) => {
    if (p.generateName === undefined) return p;
    const count = (seen.get(p.id) ?? 0) + 1;
    seen.set(p.id, count);
    if (count === 1) return p;
    const ref = { ...p.ref, name: `${p.ref.name}${count}` };
    const id = objectId(ref);
    return { ...p, ref, id, object: markGenerated(p.object, appName, id) };
  });
}
