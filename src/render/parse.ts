/**
 * Turns manifest text (multi-document YAML or JSON) into validated Kubernetes objects with their origin.
 * Pure: no I/O. Every problem is an INVALID_MANIFEST error naming the file, the document and the line.
 */
import {
  isMap,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

import { MooringError } from '../core/errors.js';
import { isRecord, objectId, refOf, subjectOf, type KubeObject } from '../core/objects.js';
import type { ObjectOrigin, RenderedObject } from './types.js';

const MANIFEST_HINT =
  'every document must be a Kubernetes object: a mapping with string apiVersion, kind and metadata.name';

/*
 * YAML 1.1 with merge keys, as Kubernetes' own parser (go-yaml v2 via sigs.k8s.io/yaml) reads manifests:
 * `yes`/`on` are booleans, `<<:` merges. Go-yaml leaves `12:30` and dates as strings, so the sexagesimal and
 * timestamp tags of the 1.1 schema are dropped: a ConfigMap value `time: 12:30` stays "12:30".
 */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: true,
  customTags: (tags) =>
    tags.filter(
      (tag) =>
        typeof tag === 'string' ||
        (tag.tag !== 'tag:yaml.org,2002:timestamp' && !('format' in tag && tag.format === 'TIME')),
    ),
};

/** How an origin reads in messages: `apps/web/deploy.yaml document 2 (line 14)`. */
export function describeOrigin(origin: ObjectOrigin | undefined): string {
  if (origin === undefined) return 'an unknown place';
  const line = origin.line > 0 ? ` (line ${origin.line})` : '';
  const source = origin.source === undefined ? '' : ` from ${origin.source}`;
  return `${origin.file} document ${origin.document}${line}${source}`;
}

function invalidManifest(where: string, problem: string, subject?: string): MooringError {
  return new MooringError('INVALID_MANIFEST', `${where}: ${problem}`, {
    step: 'render',
    subject,
    hint: MANIFEST_HINT,
  });
}

/** What is wrong with a value that should be one Kubernetes object, or undefined if nothing is. */
export function manifestProblem(value: unknown): string | undefined {
  if (!isRecord(value)) {
    const type = Array.isArray(value) ? 'a sequence' : value === null ? 'null' : `a ${typeof value}`;
    return `is ${type}, not a mapping (a Kubernetes object)`;
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '')
    return value.apiVersion === undefined ? 'has no apiVersion' : 'has an apiVersion that is not a string';
  if (typeof value.kind !== 'string' || value.kind === '')
    return value.kind === undefined ? 'has no kind' : 'has a kind that is not a string';
  const metadata = value.metadata;
  if (!isRecord(metadata)) return `${value.kind} has no metadata mapping`;
  if (metadata.name === undefined && metadata.generateName !== undefined) {
    return (
      `${value.kind} uses metadata.generateName, which Mooring does not allow: ` +
      'an object needs a fixed metadata.name to be tracked, compared and pruned'
    );
  }
  if (typeof metadata.name !== 'string' || metadata.name === '')
    return metadata.name === undefined
      ? `${value.kind} has no metadata.name`
      : `${value.kind} has a metadata.name that is not a string`;
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string')
    return `${value.kind}/${metadata.name} has a metadata.namespace that is not a string`;
  return undefined;
}

/**
 * Whether a value is a list of objects to expand: `kind: List`, or any `*List` kind with an `items` array
 * and no metadata.name (a real object whose kind merely ends in "List" has a name; a list has ListMeta).
 */
export function isObjectList(value: unknown): value is { kind: string; items: unknown[] } {
  if (!isRecord(value) || typeof value.kind !== 'string' || !Array.isArray(value.items)) return false;
  if (value.kind === 'List') return true;
  const named = isRecord(value.metadata) && value.metadata.name !== undefined;
  return value.kind.endsWith('List') && !named;
}

/**
 * Validates one value as objects: a Kubernetes object, or a List whose items are. `itemLine(i)` gives the
 * line of list item i when known. Used for YAML documents and for jsonnet's JSON output alike.
 */
export function objectsFromValue(
  value: unknown,
  origin: ObjectOrigin,
  itemLine: (index: number) => number = () => origin.line,
): RenderedObject[] {
  if (isObjectList(value)) {
    return value.items.map((item, index) => {
      const itemOrigin = { ...origin, line: itemLine(index) };
      const problem = manifestProblem(item);
      if (problem !== undefined)
        throw invalidManifest(`${describeOrigin(itemOrigin)}, ${value.kind} item ${index + 1}`, problem);
      return { object: item as KubeObject, origin: itemOrigin };
    });
  }
  if (isRecord(value) && value.kind === 'List') {
    throw invalidManifest(describeOrigin(origin), 'is a List without an items sequence');
  }
  const problem = manifestProblem(value);
  if (problem !== undefined) throw invalidManifest(describeOrigin(origin), problem);
  return [{ object: value as KubeObject, origin }];
}

/** Helm marks each document with `# Source: chart/templates/x.yaml`; keep it for messages. */
function sourceComment(doc: Document.Parsed): string | undefined {
  const comments = `${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`;
  const match = /^\s*Source:\s*(\S.*)$/m.exec(comments);
  return match?.[1]?.trim();
}

function syntaxError(file: string, document: number, doc: Document.Parsed): MooringError {
  const error = doc.errors[0];
  const position = error?.linePos?.[0];
  const at = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
  const what = (error?.message ?? 'unreadable YAML')
    .split('\n')[0]
    ?.replace(/ at line \d+, column \d+:?$/, '');
  return new MooringError(
    'INVALID_MANIFEST',
    `${file}: document ${document}: YAML syntax error${at}: ${what}`,
    {
      step: 'render',
      subject: file,
      hint: 'fix the YAML syntax at that line (indentation, quoting, a missing bracket or colon)',
      cause: error,
    },
  );
}

/**
 * Parses multi-document YAML (or JSON, which is YAML) into objects. Empty documents are skipped; Lists
 * are expanded. `file` names the text in messages and origins (a path relative to the checkout root, or a
 * tool's output such as "helm template output").
 */
export function parseManifests(text: string, file: string): RenderedObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  const objects: RenderedObject[] = [];
  docs.forEach((doc, index) => {
    const document = index + 1;
    if (doc.errors.length > 0) throw syntaxError(file, document, doc);
    if (doc.contents === null) return;
    const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw invalidManifest(`${file} document ${document}`, `cannot be read: ${(error as Error).message}`);
    }
    if (value === null || value === undefined) return;
    const source = sourceComment(doc);
    const origin: ObjectOrigin = {
      file,
      document,
      line: lineAt(doc.contents.range[0]),
      ...(source === undefined ? {} : { source }),
    };
    const items = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
    const itemLine = (i: number): number => {
      const item = isSeq(items) ? items.items[i] : undefined;
      const offset = (item as { range?: [number, number, number] } | undefined)?.range?.[0];
      return offset === undefined ? origin.line : lineAt(offset);
    };
    objects.push(...objectsFromValue(value, origin, itemLine));
  });
  return objects;
}

/**
 * Refuses two objects with the same group, kind, namespace and name anywhere in one render, naming both
 * origins. (Objects without a namespace are compared as written; defaulting happens in the plan stage.)
 */
export function assertUniqueObjects(objects: readonly RenderedObject[]): void {
  const seen = new Map<string, RenderedObject>();
  for (const rendered of objects) {
    const ref = refOf(rendered.object);
    const id = objectId(ref);
    const first = seen.get(id);
    if (first !== undefined) {
      throw new MooringError(
        'INVALID_MANIFEST',
        `duplicate object ${subjectOf(ref)}: defined in ${describeOrigin(first.origin)} and again in ${describeOrigin(rendered.origin)}`,
        { step: 'render', subject: subjectOf(ref), hint: 'remove or rename one of the two definitions' },
      );
    }
    seen.set(id, rendered);
  }
}
