/**
 * Turns the JSON Schema zod produces (target openapi-3.0, io input) into a *structural* OpenAPI v3 schema,
 * the only kind apiextensions.k8s.io/v1 accepts: every node typed, no $ref/anyOf/oneOf/allOf/not, no
 * additionalProperties next to properties, no `additionalProperties: false`, free-form maps marked with
 * x-kubernetes-preserve-unknown-fields. Anything it cannot translate faithfully throws, naming the path,
 * so a schema change that K8s would refuse fails at generation time (and in unit tests), not at install.
 * Pure.
 */

/** A JSON Schema / OpenAPI v3 node, as plain JSON. */
export type SchemaNode = Record<string, unknown>;

/** Keywords JSONSchemaProps knows, in the order they are written out (type first, for readers). */
const KEYWORD_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
] as const;
const KNOWN = new Set<string>(KEYWORD_ORDER);
/** Keywords zod writes that carry nothing for Kubernetes. */
const DROPPED = new Set(['$schema', 'id', '$id', 'title', 'examples']);
const UNSUPPORTED = new Set(['$ref', '$defs', 'definitions', 'anyOf', 'oneOf', 'allOf', 'not', 'const']);
/** zod writes the safe-integer range on every z.int(); K8s needs no such bound. */
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/** Thrown for a schema that has no structural equivalent; says where and what. */
export class NonStructuralSchemaError extends Error {
  constructor(path: string, why: string) {
    super(`${path === '' ? '<root>' : path}: ${why}`);
    this.name = 'NonStructuralSchemaError';
  }
}

function isNode(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The structural form of `node` (see the file comment). `path` names the node in error messages. */
export function toStructural(node: SchemaNode, path = ''): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (UNSUPPORTED.has(key)) {
      throw new NonStructuralSchemaError(
        path,
        `"${key}" is not allowed in a structural schema; use a CEL rule`,
      );
    }
    if (!KNOWN.has(key)) throw new NonStructuralSchemaError(path, `unknown keyword "${key}"`);
    out[key] = value;
  }
  convertObject(out, path);
  if (isNode(out.items)) out.items = toStructural(out.items, `${path}[]`);
  else if (out.items !== undefined) throw new NonStructuralSchemaError(path, 'items must be one schema');
  if (out.type === 'integer') dropSafeIntegerBounds(out);
  // The API server checks date-time itself; zod's equivalent regex is long and not needed twice.
  if (out.format === 'date-time') delete out.pattern;
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new NonStructuralSchemaError(path, 'every field needs a type (z.unknown() only inside a record)');
  }
  return ordered(out);
}

/** properties / additionalProperties, the part where zod's output and structural schemas differ most. */
function convertObject(out: SchemaNode, path: string): void {
  const properties = out.properties;
  const additional = out.additionalProperties;
  delete out.additionalProperties;
  if (isNode(properties)) {
    const converted: SchemaNode = {};
    for (const [name, child] of Object.entries(properties)) {
      if (!isNode(child)) throw new NonStructuralSchemaError(`${path}.${name}`, 'not a schema');
      converted[name] = toStructural(child, path === '' ? name : `${path}.${name}`);
    }
    if (Object.keys(converted).length === 0) delete out.properties;
    else out.properties = converted;
  }
  // false: the API server prunes unknown fields anyway, and v1 CRDs refuse `additionalProperties: false`.
  if (additional === undefined || additional === false) return;
  const freeForm = additional === true || (isNode(additional) && Object.keys(additional).length === 0);
  if (out.properties !== undefined) {
    throw new NonStructuralSchemaError(path, 'properties and additionalProperties cannot be combined');
  }
  if (freeForm) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  if (!isNode(additional)) throw new NonStructuralSchemaError(path, 'additionalProperties must be a schema');
  out.additionalProperties = toStructural(additional, `${path}.*`);
}

function dropSafeIntegerBounds(out: SchemaNode): void {
  if (out.maximum === SAFE_INTEGER_BOUND) delete out.maximum;
  if (out.minimum === -SAFE_INTEGER_BOUND) delete out.minimum;
}

function ordered(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const key of KEYWORD_ORDER) if (node[key] !== undefined) out[key] = node[key];
  return out;
}
