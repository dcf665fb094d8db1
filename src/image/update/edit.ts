/**
 * Edits the image fields a YAML file marks, and nothing else. Pure.
 *
 * The file is parsed with the yaml package's Document API only to find where the marked values are; the new
 * values are spliced into the original text at those offsets, so comments, key order, quoting, indentation
 * and every unmarked byte stay as they were. The result is parsed again before it is accepted.
 *
 * What a marker sets depends on where it sits (see markers.ts for the two marker forms):
 * - on a scalar value: that value becomes the chosen image (`name:tag` or `name:tag@sha256:…`), or its
 *   tag, name or digest with the `:tag`, `:name`, `:digest` suffixes (Flux's setters);
 * - on the `name` of a Kustomize `images:` entry: the entry's `newTag`, `digest` (set, or removed when the
 *   policy pins none) and `newName` (when the image's name differs from `name`) — added when missing;
 * - before a mapping (`image: # mooring:image ns/app`, the Helm values shape): its `repository` and `tag`
 *   (`tag@digest` when the mapping has no `digest` key), and `digest` when present.
 */
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, Scalar, visit } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';

import type { Marker, MarkerField } from './markers.js';
import { parseMarker, policyKey } from './markers.js';

/** The image a policy chose (ImagePolicy status.latestImage and status.latestRef). */
export interface ChosenImage {
  /** `name:tag` or `name:tag@sha256:…` */
  image: string;
  name: string;
  tag: string;
  digest?: string | undefined;
}

/** One field changed in a file. */
export interface FieldChange {
  /** 1-based line of the changed value. */
  line: number;
  /** `namespace/policy` */
  policy: string;
  /** The field as a path in the document, e.g. `spec.template.spec.containers.0.image`. */
  field: string;
  before: string;
  after: string;
}

/** The edited text (the input itself when nothing changed or the file was refused) and what happened. */
export interface EditResult {
  content: string;
  changes: FieldChange[];
  /** Markers naming policies that are not in `images` (no image chosen yet). */
  unresolved: string[];
  /** Why the file (or one marker) was not edited: unparsable YAML, an invalid marker, an unsupported shape. */
  problems: string[];
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

interface Pending {
  splices: Splice[];
  changes: FieldChange[];
  unresolved: Set<string>;
  problems: string[];
}

/**
 * Applies the chosen images to the markers in `source` (one YAML file, any number of documents). A file that
 * does not parse is returned unchanged with a problem; so is one whose edit would not parse back.
 */
export function editImages(
  source: string,
  images: ReadonlyMap<string, ChosenImage>,
  defaultNamespace: string,
): EditResult {
  const docs = parseAllDocuments(source);
  const parseError = docs.flatMap((d) => d.errors)[0];
  if (parseError !== undefined) return refused(source, `does not parse as YAML: ${parseError.message}`);
  const pending: Pending = { splices: [], changes: [], unresolved: new Set(), problems: [] };
  for (const doc of docs) collectEdits(doc, source, images, defaultNamespace, pending);
  const content = applySplices(source, pending.splices);
  if (content !== source) {
    const again = parseAllDocuments(content);
    if (again.length !== docs.length || again.some((d) => d.errors.length > 0))
      return refused(source, 'the edited file would not parse the same way; left untouched');
  }
  return {
    content,
    changes: pending.changes.sort((a, b) => a.line - b.line),
    unresolved: [...pending.unresolved].sort(),
    problems: pending.problems,
  };
}

function refused(source: string, problem: string): EditResult {
  return { content: source, changes: [], unresolved: [], problems: [problem] };
}

function collectEdits(
  doc: Document.Parsed,
  source: string,
  images: ReadonlyMap<string, ChosenImage>,
  defaultNamespace: string,
  pending: Pending,
): void {
  const resolve = (
    comment: string | null | undefined,
  ): { marker: Marker; chosen: ChosenImage } | undefined => {
    const marker = firstMarker(comment, defaultNamespace, pending);
    if (marker === undefined) return undefined;
    const chosen = images.get(policyKey(marker));
    if (chosen === undefined) {
      pending.unresolved.add(policyKey(marker));
      return undefined;
    }
    return { marker, chosen };
  };
  visit(doc, {
    Scalar(_key, node, path) {
      const found = resolve(node.comment);
      if (found === undefined) return;
      const parent = path[path.length - 1];
      if (isPair(parent) && parent.key === node) return;
      const field = fieldPath(path, node);
      const entry = kustomizeEntryOf(path, node);
      if (entry !== undefined && found.marker.field === 'image') {
        editKustomizeEntry(entry, found, source, field.replace(/\.name$/, ''), pending);
        return;
      }
      setScalar(node, valueFor(found.chosen, found.marker.field), source, found.marker, field, pending);
    },
    Map(_key, node, path) {
      const found = resolve(node.commentBefore);
      if (found === undefined) return;
      if (!isPair(path[path.length - 1])) {
        pending.problems.push(
          `a marker before a mapping must sit on the key that holds it (line ${lineOf(source, node.range?.[0] ?? 0)})`,
        );
        return;
      }
      editValuesMapping(node, found, source, fieldPath(path, node), pending);
    },
  });
}

function firstMarker(
  comment: string | null | undefined,
  defaultNamespace: string,
  pending: Pending,
): Marker | undefined {
  if (comment === null || comment === undefined) return undefined;
  for (const line of comment.split('\n')) {
    const marker = parseMarker(line, defaultNamespace);
    if (marker === undefined) continue;
    if ('invalid' in marker) {
      pending.problems.push(marker.invalid);
      return undefined;
    }
    return marker;
  }
  return undefined;
}

function valueFor(chosen: ChosenImage, field: MarkerField): string {
  switch (field) {
    case 'image':
      return chosen.image;
    case 'tag':
      return chosen.tag;
    case 'name':
      return chosen.name;
    case 'digest':
      return chosen.digest ?? '';
  }
}

/** The mapping of a Kustomize `images:` entry whose `name` value is `node`, if that is where it is. */
function kustomizeEntryOf(path: readonly unknown[], node: Scalar): YAMLMap | undefined {
  const [pair, map, seq, imagesPair] = [...path].reverse();
  if (!isPair(pair) || pair.value !== node || !isScalar(pair.key) || pair.key.value !== 'name')
    return undefined;
  if (!isMap(map) || !isSeq(seq) || !isPair(imagesPair)) return undefined;
  return isScalar(imagesPair.key) && imagesPair.key.value === 'images' ? map : undefined;
}

function editKustomizeEntry(
  entry: YAMLMap,
  found: { marker: Marker; chosen: ChosenImage },
  source: string,
  field: string,
  pending: Pending,
): void {
  const { marker, chosen } = found;
  const name = stringValue(pairOf(entry, 'name')?.value);
  const newName = pairOf(entry, 'newName');
  if (newName !== undefined || chosen.name !== name)
    setOrAdd(entry, 'newName', chosen.name, source, marker, field, pending);
  setOrAdd(entry, 'newTag', chosen.tag, source, marker, field, pending);
  if (chosen.digest !== undefined) setOrAdd(entry, 'digest', chosen.digest, source, marker, field, pending);
  else removePair(entry, 'digest', source, marker, field, pending);
}

function editValuesMapping(
  mapping: YAMLMap,
  found: { marker: Marker; chosen: ChosenImage },
  source: string,
  field: string,
  pending: Pending,
): void {
  const { marker, chosen } = found;
  const tag = pairOf(mapping, 'tag');
  if (tag === undefined || !isScalar(tag.value)) {
    pending.problems.push(`${field} is marked with ${policyKey(marker)} but has no scalar "tag" to set`);
    return;
  }
  const repository = pairOf(mapping, 'repository');
  if (repository !== undefined && isScalar(repository.value))
    setScalar(repository.value, chosen.name, source, marker, `${field}.repository`, pending);
  const digest = pairOf(mapping, 'digest');
  const tagValue =
    digest === undefined && chosen.digest !== undefined ? `${chosen.tag}@${chosen.digest}` : chosen.tag;
  setScalar(tag.value, tagValue, source, marker, `${field}.tag`, pending);
  if (digest !== undefined && isScalar(digest.value))
    setScalar(digest.value, chosen.digest ?? '', source, marker, `${field}.digest`, pending);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

function stringValue(node: unknown): string | undefined {
  return isScalar(node) ? scalarText(node.value) : undefined;
}

/** A scalar's value as text ('' for null); scalars hold strings, numbers, booleans or null. */
function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

function setOrAdd(
  map: YAMLMap,
  key: string,
  value: string,
  source: string,
  marker: Marker,
  field: string,
  pending: Pending,
): void {
  const pair = pairOf(map, key);
  if (pair !== undefined) {
    if (isScalar(pair.value)) setScalar(pair.value, value, source, marker, `${field}.${key}`, pending);
    else pending.problems.push(`${field}.${key} is not a scalar; left untouched`);
    return;
  }
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  const firstKey = first?.key as Node | undefined;
  const lastValue = last?.value as Node | undefined;
  if (firstKey?.range == null || lastValue?.range == null || !isScalar(lastValue)) {
    pending.problems.push(`cannot add ${key} to ${field}: the entry is not a block mapping of scalars`);
    return;
  }
  const column = firstKey.range[0] - (source.lastIndexOf('\n', firstKey.range[0] - 1) + 1);
  const lineEnd = endOfLine(source, lastValue.range[1]);
  const newline = source[lineEnd] === '\r' ? '\r\n' : '\n';
  pending.splices.push({
    start: lineEnd,
    end: lineEnd,
    text: `${newline}${' '.repeat(column)}${key}: ${plain(value)}`,
  });
  pending.changes.push({
    line: lineOf(source, lineEnd) + 1,
    policy: policyKey(marker),
    field: `${field}.${key}`,
    before: '(none)',
    after: value,
  });
}

function removePair(
  map: YAMLMap,
  key: string,
  source: string,
  marker: Marker,
  field: string,
  pending: Pending,
): void {
  const pair = pairOf(map, key);
  if (pair === undefined) return;
  const keyNode = pair.key as Node;
  const valueNode = pair.value as Node | null;
  if (keyNode.range == null || valueNode?.range == null || map.items[0] === pair) {
    pending.problems.push(`cannot remove ${field}.${key}: it must not be the entry's first key`);
    return;
  }
  const newlineBefore = source.lastIndexOf('\n', keyNode.range[0] - 1);
  const lineStart = source[newlineBefore - 1] === '\r' ? newlineBefore - 1 : newlineBefore;
  pending.splices.push({ start: lineStart, end: endOfLine(source, valueNode.range[1]), text: '' });
  pending.changes.push({
    line: lineOf(source, keyNode.range[0]),
    policy: policyKey(marker),
    field: `${field}.${key}`,
    before: stringValue(valueNode) ?? '',
    after: '(removed)',
  });
}

function setScalar(
  node: Scalar,
  value: string,
  source: string,
  marker: Marker,
  field: string,
  pending: Pending,
): void {
  const before = scalarText(node.value);
  if (before === value && typeof node.value === 'string') return;
  if (node.range == null) return;
  const text = renderScalar(node.type, value);
  if (text === undefined) {
    pending.problems.push(`${field} is a block scalar; only plain or quoted values are edited`);
    return;
  }
  pending.splices.push({ start: node.range[0], end: node.range[1], text });
  pending.changes.push({
    line: lineOf(source, node.range[0]),
    policy: policyKey(marker),
    field,
    before,
    after: value,
  });
}

/** The value written in the scalar's own style: plain stays plain unless it would not read back as a string. */
function renderScalar(type: Scalar.Type | undefined, value: string): string | undefined {
  switch (type) {
    case Scalar.QUOTE_DOUBLE:
      return JSON.stringify(value);
    case Scalar.QUOTE_SINGLE:
      return `'${value.replaceAll("'", "''")}'`;
    case Scalar.BLOCK_FOLDED:
    case Scalar.BLOCK_LITERAL:
      return undefined;
    case Scalar.PLAIN:
    case undefined:
      return plain(value);
  }
}

/** `value` as a plain scalar when it reads back as the same string, else double-quoted. */
function plain(value: string): string {
  if (value === '') return '""';
  const docs = parseAllDocuments(`k: ${value}\n`);
  const ok =
    docs.length === 1 &&
    docs[0]?.errors.length === 0 &&
    JSON.stringify(docs[0].toJS()) === JSON.stringify({ k: value });
  return ok ? value : JSON.stringify(value);
}

function fieldPath(path: readonly unknown[], node: unknown): string {
  const parts: string[] = [];
  const chain = [...path, node];
  for (let i = 0; i < chain.length; i++) {
    const here = chain[i];
    const next = chain[i + 1];
    if (isPair(here) && isScalar(here.key)) parts.push(scalarText(here.key.value));
    else if (isSeq(here) && next !== undefined) parts.push(String(here.items.indexOf(next)));
  }
  return parts.join('.') || '(root)';
}

/** The offset of the line break (`\r\n` or `\n`) ending the line that holds `offset`, or the end of the text. */
function endOfLine(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  const eol = newline < 0 ? source.length : newline;
  return source[eol - 1] === '\r' ? eol - 1 : eol;
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  return line;
}

function applySplices(source: string, splices: readonly Splice[]): string {
  // From the end backwards so offsets stay valid; insertions at one offset keep the order they were made in.
  const ordered = splices.map((splice, index) => ({ splice, index }));
  ordered.sort((a, b) => b.splice.start - a.splice.start || b.index - a.index);
  let out = source;
  for (const { splice } of ordered) out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
  return out;
}
