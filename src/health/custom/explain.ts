/** What Mooring thinks of saved objects (e.g. `kubectl get -o yaml` output) and why. Pure. */
import { parseAllDocuments } from 'yaml';

import { MooringError } from '../../core/errors.js';
import { isRecord, refOf, subjectOf, type KubeObject } from '../../core/objects.js';
import { explainHealth, type CustomHealthChecks } from './checks.js';
import type { HealthVerdict } from './types.js';

export interface ObjectVerdict extends HealthVerdict {
  subject: string;
}

/** Every object of a YAML stream (a `List`'s items too), each with its health and what decided it. */
export function explainManifests(
  text: string,
  fileName: string,
  checks: CustomHealthChecks,
): ObjectVerdict[] {
  return objectsOf(text, fileName).map((obj) => ({
    subject: subjectOf(refOf(obj)),
    ...explainHealth(checks, obj),
  }));
}

function objectsOf(text: string, fileName: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new MooringError('INVALID_MANIFEST', `${fileName}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const items =
      isRecord(value) && Array.isArray(value.items) && value.kind === 'List' ? value.items : [value];
    for (const item of items as unknown[]) {
      if (!isKubeObject(item))
        throw new MooringError('INVALID_MANIFEST', `${fileName}: a document is not a Kubernetes object`, {
          hint: 'give objects with apiVersion, kind and metadata.name, e.g. the output of kubectl get -o yaml',
        });
      objects.push(item);
    }
  }
  return objects;
}

function isKubeObject(value: unknown): value is KubeObject {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}
