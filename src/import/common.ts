/** Helpers shared by the Argo CD and Flux converters. Pure. */
import { parseAllDocuments } from 'yaml';

import { parseApplication, parseProject } from '../crd/application.js';
import { MOORING_API_VERSION } from '../crd/common.js';
import { errorMessage, MooringError } from '../core/errors.js';
import { isRecord, type KubeObject } from '../core/objects.js';
import type { ImportNote, PeerObject } from './types.js';

/** Every object of the files' YAML streams (a `List`'s items too). */
export function readPeerObjects(files: readonly { name: string; text: string }[]): PeerObject[] {
  const out: PeerObject[] = [];
  for (const { name, text } of files) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0)
        throw new MooringError('INVALID_MANIFEST', `${name}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const items =
        isRecord(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
      for (const item of items as unknown[]) {
        if (
          !isRecord(item) ||
          typeof item.apiVersion !== 'string' ||
          typeof item.kind !== 'string' ||
          !isRecord(item.metadata) ||
          typeof item.metadata.name !== 'string'
        )
          throw new MooringError('INVALID_MANIFEST', `${name}: a document is not a Kubernetes object`);
        out.push({ obj: item as KubeObject, file: name });
      }
    }
  }
  return out;
}

export const subjectOfPeer = (obj: KubeObject): string =>
  `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/** Collects notes for one peer object. */
export class Notes {
  readonly list: ImportNote[] = [];
  constructor(private readonly subject: string) {}
  dropped(field: string, message: string): void {
    this.list.push({ subject: this.subject, field, severity: 'dropped', message });
  }
  changed(field: string, message: string): void {
    this.list.push({ subject: this.subject, field, severity: 'changed', message });
  }
  manual(field: string, message: string): void {
    this.list.push({ subject: this.subject, field, severity: 'manual', message });
  }
  skipped(field: string, message: string): void {
    this.list.push({ subject: this.subject, field, severity: 'skipped', message });
  }
}

/** A Mooring object with the spec given, checked against Mooring's own schema (defaults left to the server). */
export function mooringObject(
  kind: 'Application' | 'Project',
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
  labels: Record<string, string>,
): KubeObject {
  const obj: KubeObject = {
    apiVersion: MOORING_API_VERSION,
    kind,
    metadata: { name, namespace, ...(Object.keys(labels).length === 0 ? {} : { labels }) },
    spec: dropUndefined(spec),
  };
  try {
    if (kind === 'Application') parseApplication(obj);
    else parseProject(obj);
  } catch (error) {
    throw new MooringError(
      'INVALID_MANIFEST',
      `the converted ${kind} ${name} is not valid: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  return obj;
}

/** JSON without undefined fields (and empty objects they leave). */
export function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (isRecord(item) && !Array.isArray(item)) {
      const inner = dropUndefined(item);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else out[key] = item;
  }
  return out;
}

/** Go-style durations (Argo CD and Flux) as Mooring reads them: the same units, "1m0s" too. */
export function duration(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const trimmed = value.replace(/(\d)m0s$/, '$1m').replace(/(\d)h0m$/, '$1h');
  return /^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed) ? trimmed : undefined;
}

/** A relative path without the "./" or "/" that peers allow in front and the trailing "/". */
export function repoPath(value: unknown): string {
  if (typeof value !== 'string') return '';
  const path = value.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  return path === '.' ? '' : path;
}

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
export const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
