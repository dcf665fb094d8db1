/**
 * Turns manifest text (multi-document YAML or JSON) into validated Kubernetes objects with their origin.
 * Pure: no I/O. Every problem is an INVALID_MANIFEST error naming the file, the document and the line.
 */
import {
  Composer,
  isMap,
  isSeq,
  LineCounter,
  Parser,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

import { MooringError } from '../core/errors.js';
import { isRecord, objectId, refOf, subjectOf, type KubeObject } from '../core/objects.js';
import type { ObjectOrigin, RenderedObject } from './types.js';

/** Objects one render may produce unless RenderLimits.maxObjects says otherwise. */
export const DEFAULT_MAX_OBJECTS = 10_000;
/**
 * Bytes of one manifest file unless RenderLimits.maxFileBytes says otherwise. The YAML parser holds about
 * 100 bytes of memory per byte of input and reads about 0.5 MB a second, so this bounds one file to a few
 * hundred MB and a few seconds.
 */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Alias expansions allowed in one document: enough for any hand-written manifest, not for a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;

/** Limits parseManifests enforces while reading. */
export interface ParseLimits {
  /** Stop with an error once more objects than this were read (List items included). Default: no limit. */
  maxObjects?: number;
  /** Objects of the same render read before this text (other files), counted against maxObjects. */
  alreadyRead?: number;
}

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
  // Pretty errors quote the surrounding text with a regular expression that runs out of memory on deeply
  // nested input; positions come from the LineCounter instead.
  prettyErrors: false,
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

/** Annotations that make an object a hook (Mooring's, Argo CD's, Helm's): only hooks may use generateName. */
const HOOK_ANNOTATIONS = ['mooring.dev/hook', 'argocd.argoproj.io/hook', 'helm.sh/hook'];

function isHookManifest(metadata: Record<string, unknown>): boolean {
  const annotations = metadata.annotations;
  return isRecord(annotations) && HOOK_ANNOTATIONS.some((key) => typeof annotations[key] === 'string');
}

/** Why an object that is not a hook may not use generateName. */
export function generateNameRefusal(kind: string): string {
  return (
    `${kind} uses metadata.generateName but is not a hook: only hooks (mooring.dev/hook, ` +
    'argocd.argoproj.io/hook, helm.sh/hook) may, as each sync creates a fresh one; an application object ' +
    'needs a fixed metadata.name to be tracked, compared and pruned'
  );
}

/**
 * Marks the stand-in name of a hook that uses generateName: `<generateName>*`. "*" can never be part of a
 * real name, so the plan and messages can tell it (`Job/ns/migrate-*`) and it never matches a live object.
 */
export const GENERATED_NAME_MARK = '*';

/** A hook with generateName gets the stand-in name `<generateName>*`; other objects are returned as they are. */
function withStandInName(value: KubeObject): KubeObject {
  const metadata = value.metadata as Record<string, unknown>;
  if (metadata.name !== undefined || typeof metadata.generateName !== 'string') return value;
  return {
    ...value,
    metadata: { ...value.metadata, name: `${metadata.generateName}${GENERATED_NAME_MARK}` },
  };
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
    if (typeof metadata.generateName !== 'string' || metadata.generateName === '')
      return `${value.kind} has a metadata.generateName that is not a non-empty string`;
    if (!isHookManifest(metadata)) return generateNameRefusal(value.kind);
    return undefined;
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

/** The error for a render that produced more objects than its limit. */
export function tooManyObjects(where: string, maxObjects: number): MooringError {
  return new MooringError(
    'RENDER_FAILED',
    `${where}: more than ${maxObjects} objects, the limit for one render (List items included)`,
    {
      step: 'render',
      subject: where,
      hint: 'split the application into several, or raise limits.maxObjects for it',
    },
  );
}

interface PendingList {
  kind: string;
  items: unknown[];
  next: number;
  /** For a nested list, how messages name it inside the outer one: `, List item 2`. */
  path: string;
  /** Line of each item, known for the items of the document's own list only. */
  line: (index: number) => number;
}

/**
 * Validates one value as objects: a Kubernetes object, or a List (Lists nested in Lists included) whose
 * items are. `itemLine(i)` gives the line of item i of the outer list when known. Used for YAML documents
 * and for jsonnet's JSON output alike. Iterative, and stops once `limit.before` plus the objects read here
 * exceed `limit.maxObjects`: a List of a million items costs no stack.
 */
export function objectsFromValue(
  value: unknown,
  origin: ObjectOrigin,
  itemLine: (index: number) => number = () => origin.line,
  limit: { maxObjects: number; before: number } = { maxObjects: Number.POSITIVE_INFINITY, before: 0 },
): RenderedObject[] {
  const full = (count: number): boolean => limit.before + count >= limit.maxObjects;
  if (isRecord(value) && value.kind === 'List' && !Array.isArray(value.items)) {
    throw invalidManifest(describeOrigin(origin), 'is a List without an items sequence');
  }
  if (!isObjectList(value)) {
    const problem = manifestProblem(value);
    if (problem !== undefined) throw invalidManifest(describeOrigin(origin), problem);
    if (full(0)) throw tooManyObjects(origin.file, limit.maxObjects);
    return [{ object: withStandInName(value as KubeObject), origin }];
  }
  const objects: RenderedObject[] = [];
  const stack: PendingList[] = [{ kind: value.kind, items: value.items, next: 0, path: '', line: itemLine }];
  for (let list = stack.at(-1); list !== undefined; list = stack.at(-1)) {
    if (list.next >= list.items.length) {
      stack.pop();
      continue;
    }
    const index = list.next++;
    const item = list.items[index];
    const itemOrigin = { ...origin, line: list.line(index) };
    const path = `${list.path}, ${list.kind} item ${index + 1}`;
    if (isObjectList(item)) {
      const line = itemOrigin.line;
      stack.push({ kind: item.kind, items: item.items, next: 0, path, line: () => line });
      continue;
    }
    const problem =
      isRecord(item) && item.kind === 'List' ? 'is a List without an items sequence' : manifestProblem(item);
    if (problem !== undefined) throw invalidManifest(`${describeOrigin(itemOrigin)}${path}`, problem);
    if (full(objects.length)) throw tooManyObjects(origin.file, limit.maxObjects);
    objects.push({ object: withStandInName(item as KubeObject), origin: itemOrigin });
  }
  return objects;
}

/**
 * Decodes a manifest file's bytes as UTF-8, refusing invalid sequences (instead of turning them into
 * U+FFFD, which would change Secret and ConfigMap values silently) with an error naming the file, the byte
 * offset and the line.
 */
export function decodeManifestBytes(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes) ?? bytes.length;
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const byte = bytes[offset];
    const shown = byte === undefined ? 'a truncated sequence' : `0x${byte.toString(16).padStart(2, '0')}`;
    return failDecode(file, offset, line, shown);
  }
}

function failDecode(file: string, offset: number, line: number, shown: string): never {
  throw new MooringError(
    'INVALID_MANIFEST',
    `${file}: not valid UTF-8: byte ${shown} at offset ${offset} (line ${line})`,
    {
      step: 'render',
      subject: file,
      hint: 'manifests must be UTF-8 text: re-encode the file (e.g. iconv -f latin1 -t utf-8), or put binary data in a Secret or ConfigMap as base64 (data / binaryData)',
    },
  );
}

/** The offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629), or undefined. */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (length === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return undefined;
}

/** Helm marks each document with `# Source: chart/templates/x.yaml`; keep it for messages. */
function sourceComment(doc: Document.Parsed): string | undefined {
  const comments = `${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`;
  const match = /^\s*Source:\s*(\S.*)$/m.exec(comments);
  return match?.[1]?.trim();
}

function syntaxError(file: string, document: number, doc: Document.Parsed, lines: LineCounter): MooringError {
  const error = doc.errors[0];
  const offset = error?.pos[0];
  const position = offset === undefined ? undefined : lines.linePos(offset);
  const at = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
  const raw = error?.message ?? 'unreadable YAML';
  const what = raw.includes('Maximum call stack size exceeded')
    ? 'nested too deeply'
    : raw.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
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

/** A document's value; aliases beyond MAX_ALIAS_COUNT (a "billion laughs") are refused, not expanded. */
function documentValue(doc: Document.Parsed, file: string, document: number): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = (error as Error).message;
    if (/alias count/i.test(message)) {
      throw new MooringError(
        'INVALID_MANIFEST',
        `${file} document ${document}: expands more than ${MAX_ALIAS_COUNT} YAML aliases (*name); refused as a resource exhaustion attack ("billion laughs")`,
        { step: 'render', subject: file, hint: 'write the repeated content out instead of nesting aliases' },
      );
    }
    const problem = error instanceof RangeError ? 'is nested too deeply' : `cannot be read: ${message}`;
    throw invalidManifest(`${file} document ${document}`, problem, file);
  }
}

/**
 * Parses multi-document YAML (or JSON, which is YAML) into objects. Empty documents are skipped; Lists
 * are expanded. `file` names the text in messages and origins (a path relative to the checkout root, or a
 * tool's output such as "helm template output").
 */
export function parseManifests(text: string, file: string, limits: ParseLimits = {}): RenderedObject[] {
  const maxObjects = limits.maxObjects ?? Number.POSITIVE_INFINITY;
  const lineCounter = new LineCounter();
  const objects: RenderedObject[] = [];
  // One document at a time (parseAllDocuments would hold every document's syntax tree at once): the tree of
  // a document is dropped once its objects are taken, and reading stops at the object limit.
  const documents = new Composer(YAML_OPTIONS).compose(new Parser(lineCounter.addNewLine).parse(text));
  let document = 0;
  for (const doc of documents) {
    document++;
    if (doc.errors.length > 0) throw syntaxError(file, document, doc, lineCounter);
    if (doc.contents === null) continue;
    const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
    const value = documentValue(doc, file, document);
    if (value === null || value === undefined) continue;
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
    const limit = { maxObjects, before: (limits.alreadyRead ?? 0) + objects.length };
    // A loop, not push(...spread): a List of 150,000 items would overflow the call stack.
    for (const rendered of objectsFromValue(value, origin, itemLine, limit)) objects.push(rendered);
  }
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
