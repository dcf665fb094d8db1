/**
 * Pure helpers of the jsonnet renderer: finding the imports of a jsonnet file (so they can be confined to
 * the checkout before jsonnet runs: jsonnet itself reads any absolute or '../' path) and turning jsonnet's
 * JSON output into a list of objects.
 */
import { MooringError } from '../core/errors.js';
import { isRecord } from '../core/objects.js';
import { objectsFromValue } from './parse.js';
import type { RenderedObject } from './types.js';

export type ImportKind = 'import' | 'importstr' | 'importbin';

export interface JsonnetImport {
  kind: ImportKind;
  path: string;
}

const IMPORT_KEYWORDS = new Set<string>(['import', 'importstr', 'importbin']);

/** Reads a quoted string starting at `start` (the quote); returns its value and the index after it. */
function readString(source: string, start: number): { value: string; end: number } {
  const verbatim = source[start] === '@';
  const quote = source.charAt(verbatim ? start + 1 : start);
  let value = '';
  let i = verbatim ? start + 2 : start + 1;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (verbatim && ch === quote && source[i + 1] === quote) {
      value += quote;
      i += 2;
    } else if (ch === quote) {
      return { value, end: i + 1 };
    } else if (!verbatim && ch === '\\') {
      value += source.charAt(i + 1);
      i += 2;
    } else {
      value += ch;
      i += 1;
    }
  }
  return { value, end: i };
}

/** Index after the whitespace and comments starting at `start`. */
function skipTrivia(source: string, start: number): number {
  let i = start;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (/\s/.test(ch)) i++;
    else if (ch === '#' || source.startsWith('//', i)) i = lineEnd(source, i);
    else if (source.startsWith('/*', i)) i = blockCommentEnd(source, i);
    else break;
  }
  return i;
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf('\n', from);
  return end < 0 ? source.length : end + 1;
}

function blockCommentEnd(source: string, from: number): number {
  const end = source.indexOf('*/', from + 2);
  return end < 0 ? source.length : end + 2;
}

/** Index after a `|||` text block that starts at `start`. */
function textBlockEnd(source: string, start: number): number {
  const end = source.indexOf('|||', lineEnd(source, start));
  return end < 0 ? source.length : end + 3;
}

/**
 * The imports of a jsonnet source, in order. Jsonnet only allows string literals after import, importstr
 * and importbin, so a lexer that skips comments, strings and text blocks finds every one of them.
 */
export function jsonnetImports(source: string): JsonnetImport[] {
  const found: JsonnetImport[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (ch === '#' || source.startsWith('//', i)) i = lineEnd(source, i);
    else if (source.startsWith('/*', i)) i = blockCommentEnd(source, i);
    else if (source.startsWith('|||', i)) i = textBlockEnd(source, i);
    else if (ch === '"' || ch === "'" || (ch === '@' && /["']/.test(source.charAt(i + 1))))
      i = readString(source, i).end;
    else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i, i + 64))?.[0] ?? ch;
      i += word.length;
      if (!IMPORT_KEYWORDS.has(word)) continue;
      const at = skipTrivia(source, i);
      const next = source.charAt(at);
      if (next === '"' || next === "'" || next === '@') {
        const literal = readString(source, at);
        found.push({ kind: word as ImportKind, path: literal.value });
        i = literal.end;
      }
    } else i++;
  }
  return found;
}

function isManifestLike(value: unknown): boolean {
  return isRecord(value) && ('apiVersion' in value || 'kind' in value);
}

/**
 * Normalises jsonnet's output to objects: one object, an array of objects, or an object whose values are
 * objects (as Argo CD and kubecfg accept), nested arrays/objects of those included. `file` is the main
 * file relative to the checkout; each object's origin.source is its path in the output (".web.deployment").
 */
export function normaliseJsonnetOutput(value: unknown, file: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isManifestLike(node)) {
      const origin = {
        file,
        document: objects.length + 1,
        line: 0,
        source: `output ${path || '(top level)'}`,
      };
      objects.push(...objectsFromValue(node, origin));
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => {
        visit(item, `${path}[${index}]`);
      });
    } else if (isRecord(node)) {
      for (const [key, item] of Object.entries(node)) visit(item, `${path}.${key}`);
    } else if (node !== null) {
      throw new MooringError(
        'INVALID_MANIFEST',
        `jsonnet output of ${file} at ${path || '(top level)'} is a ${typeof node}, not a Kubernetes object`,
        {
          step: 'render',
          subject: file,
          hint: 'the program must evaluate to an object, an array of objects, or an object whose values are objects',
        },
      );
    }
  };
  visit(value, '');
  return objects;
}
