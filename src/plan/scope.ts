/**
 * Namespaced or cluster-scoped: from API discovery, else from a CRD in the same application. Decides the
 * namespace of each object's ref. Pure.
 */
import { MooringError } from '../core/errors.js';
import { fieldAt, groupOf, subjectOf } from '../core/objects.js';
import type { KubeObject, ObjectRef } from '../core/objects.js';

/** Scopes defined by CRDs among `objects`, keyed `group/kind`: true when namespaced. */
export function crdScopesOf(objects: readonly KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition' || groupOf(object.apiVersion) !== 'apiextensions.k8s.io')
      continue;
    const group = fieldAt(object, ['spec', 'group']);
    const kind = fieldAt(object, ['spec', 'names', 'kind']);
    const scope = fieldAt(object, ['spec', 'scope']);
    // A malformed CRD is left for the server's dry-run to reject with a better message.
    if (typeof group !== 'string' || typeof kind !== 'string') continue;
    if (scope === 'Namespaced' || scope === 'Cluster') scopes.set(`${group}/${kind}`, scope === 'Namespaced');
  }
  return scopes;
}

export interface ScopeLookup {
  isNamespaced: (group: string, kind: string) => boolean | undefined;
  crdScopes: ReadonlyMap<string, boolean>;
}

/** Whether objects of `group`/`kind` are namespaced; INVALID_MANIFEST when neither source knows the kind. */
export function isNamespacedKind(lookup: ScopeLookup, group: string, kind: string, subject: string): boolean {
  const namespaced = lookup.isNamespaced(group, kind) ?? lookup.crdScopes.get(`${group}/${kind}`);
  if (namespaced !== undefined) return namespaced;
  const groupText = group === '' ? 'core group' : `group ${group}`;
  throw new MooringError(
    'INVALID_MANIFEST',
    `unknown kind ${kind} (${groupText}): no CRD in the cluster or in this application`,
    {
      step: 'plan',
      subject,
      hint: 'check apiVersion and kind for typos, or install the CRD that defines this kind (or add it to this application)',
    },
  );
}

/** An object's ref after namespace defaulting, with a warning when a namespace was given but ignored. */
export interface ScopedRef {
  ref: ObjectRef;
  warning?: string;
}

/**
 * The ref an object is applied under: namespaced kinds without a namespace get `defaultNamespace`; on
 * cluster-scoped kinds a namespace is ignored, as kubectl and the API server do, with a warning.
 */
export function scopedRefOf(object: KubeObject, lookup: ScopeLookup, defaultNamespace: string): ScopedRef {
  const group = groupOf(object.apiVersion);
  const { kind } = object;
  const { name } = object.metadata;
  const given = object.metadata.namespace ?? '';
  const rawSubject = subjectOf({ group, kind, name, namespace: given });
  if (!isNamespacedKind(lookup, group, kind, rawSubject)) {
    const ref = { group, kind, name, namespace: '' };
    if (given === '') return { ref };
    return { ref, warning: `${subjectOf(ref)}: namespace "${given}" ignored, ${kind} is cluster-scoped` };
  }
  const namespace = given === '' ? defaultNamespace : given;
  if (namespace === '') {
    throw new MooringError(
      'INVALID_MANIFEST',
      `${rawSubject} has no namespace and the application names none`,
      {
        step: 'plan',
        subject: rawSubject,
        hint: 'set metadata.namespace on the object, or a destination namespace on the application',
      },
    );
  }
  return { ref: { group, kind, name, namespace } };
}
