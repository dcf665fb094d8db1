/** Turns jsonnet's JSON output into a list of objects. Pure. */
import { MooringError } from '../core/errors.js';
import { isRecord } from '../core/objects.js';
import { objectsFromValue } from './parse.js';
import type { RenderedObject } from './types.js';

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
      // A loop, not push(...spread): a List of 150,000 items would overflow the call stack.
      for (const object of objectsFromValue(node, origin)) objects.push(object);
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
