/**
 * Building blocks shared by Mooring's custom resources: the API group, name and duration schemas, and the
 * helpers that attach a CEL rule to a zod schema so both the API server and `parse` enforce it. Pure.
 */
import { z } from 'zod';

import { MooringError } from '../core/errors.js';

/** The API group of Mooring's custom resources. */
export const MOORING_GROUP = 'mooring.dev';
/** The served (and stored) version of Mooring's custom resources. */
export const MOORING_VERSION = 'v1alpha1';
/** `mooring.dev/v1alpha1` */
export const MOORING_API_VERSION = `${MOORING_GROUP}/${MOORING_VERSION}`;

/** One `x-kubernetes-validations` entry: a CEL rule the API server evaluates on create and update. */
export interface CelRule {
  rule: string;
  message: string;
}

/**
 * A Go-style duration as Kubernetes and Flux write them: "90s", "3m", "1h30m", "500ms". RE2-compatible so
 * the API server can evaluate the same pattern, and parseable by CEL's `duration()`.
 */
export const DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration matching DURATION_PATTERN ("1h30m" -> 5400000); NaN if it does not match. */
export function durationMs(text: string): number {
  if (!DURATION_PATTERN.test(text)) return Number.NaN;
  let total = 0;
  for (const part of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(part[1]) * (DURATION_UNIT_MS[part[2] ?? 's'] ?? 1000);
  }
  return total;
}

/** A CEL string literal of a regular expression (raw, so backslashes stay as they are). */
function celRegex(pattern: RegExp): string {
  if (pattern.source.includes("'")) throw new Error(`celRegex: ${pattern.source} contains a quote`);
  return `r'${pattern.source}'`;
}

/**
 * A string that must match `pattern`, checked by a CEL rule rather than OpenAPI `pattern`: the API server
 * then answers with `message` instead of printing the regular expression.
 */
export function matchingString(pattern: RegExp, message: string, description: string): z.ZodString {
  return z
    .string()
    .refine((value) => pattern.test(value), { message })
    .meta({ description, ...celMeta([{ rule: `self.matches(${celRegex(pattern)})`, message }]) });
}

/**
 * A duration string (see DURATION_PATTERN), optionally with a lower bound such as '1s'. `maxLength` bounds
 * the string: the API server's CEL cost estimate needs it for durations inside lists.
 */
export function durationSchema(description: string, minimum?: string, maxLength?: number): z.ZodString {
  const minimumMs = minimum === undefined ? 0 : durationMs(minimum);
  const message =
    minimum === undefined
      ? 'must be a duration such as 90s, 3m or 1h30m'
      : `must be a duration of at least ${minimum}, such as 90s, 3m or 1h30m`;
  // One rule: with `&&`, CEL skips duration() on a string that is not one, so the message stays single.
  const rule =
    `self.matches(${celRegex(DURATION_PATTERN)})` +
    (minimum === undefined ? '' : ` && duration(self) >= duration('${minimum}')`);
  const text = maxLength === undefined ? z.string() : z.string().max(maxLength);
  return text
    .refine((value) => DURATION_PATTERN.test(value) && durationMs(value) >= minimumMs, { message })
    .meta({ description, ...celMeta([{ rule, message }]) });
}

/** A DNS-1123 subdomain: what Kubernetes accepts as the name of most objects. */
export const OBJECT_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The name of an object in the same namespace (a Secret, another Application). */
export function objectNameSchema(description: string): z.ZodString {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(OBJECT_NAME_PATTERN, { message: 'must be a lowercase DNS-1123 name' })
    .describe(description);
}

/** `{name}` of an object in the Application's namespace; `what` completes "Name of the ...". */
export function localObjectReferenceSchema(what: string): z.ZodObject<{ name: z.ZodString }> {
  return z
    .object({ name: objectNameSchema(`Name of the ${what}.`) })
    .describe(`Reference to an object in the same namespace: the ${what}.`);
}

/** An RFC 3339 timestamp, as metav1.Time serialises ("2026-01-02T03:04:05Z"). */
export function timestampSchema(description: string): z.ZodISODateTime {
  return z.iso.datetime({ offset: true }).describe(description);
}

/** metav1.Condition's reason: CamelCase, as the API conventions ask. */
const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** One condition of `types`, shaped like metav1.Condition (kstatus and `kubectl wait --for=condition=...` read it). */
export function conditionSchemaOf<const T extends readonly [string, ...string[]]>(types: T) {
  return z.object({
    type: z.enum(types),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z.string().min(1).max(1024).regex(CONDITION_REASON_PATTERN, { message: 'must be CamelCase' }),
    message: z.string().max(32768),
    lastTransitionTime: timestampSchema('When status last changed.'),
    observedGeneration: z
      .int()
      .min(0)
      .describe('The .metadata.generation the condition was set for.')
      .optional(),
  });
}

/** How many of `keys` are set (not undefined) on a value. */
export function countSet(value: Record<string, unknown>, keys: readonly string[]): number {
  return keys.filter((key) => value[key] !== undefined).length;
}

/** CEL: how many of `keys` the object has, as an integer expression. */
export function celCountSet(keys: readonly string[]): string {
  return keys.map((key) => `(has(self.${key}) ? 1 : 0)`).join(' + ');
}

/** JSON Schema metadata carrying CEL rules, for `.meta()`: zod copies it into z.toJSONSchema's output. */
export function celMeta(rules: readonly CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': [...rules] };
}

/**
 * True when `Listed` names every member of `Union`: `const _check: CoversAll<U, L> = true` fails to compile
 * when someone adds a member to the union and forgets the list the CRD enum is built from.
 */
export type CoversAll<Union extends string, Listed extends string> = [Exclude<Union, Listed>] extends [never]
  ? true
  : false;

/**
 * Parses a custom resource's field with its schema, or throws INVALID_MANIFEST naming the object and every
 * bad field ("spec.source.ref: set exactly one of branch, tag, semver or commit").
 */
export function parseField<T extends z.ZodType>(
  schema: T,
  value: unknown,
  field: string,
  subject: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = [field, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  throw new MooringError('INVALID_MANIFEST', `${subject} is invalid: ${problems.join('; ')}`, {
    subject,
    hint: `fix the ${subject.split('/')[0] ?? 'object'} manifest (kubectl explain shows every field)`,
  });
}
