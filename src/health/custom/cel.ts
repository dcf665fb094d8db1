/**
 * CEL health checks in the form of Flux's `healthCheckExprs` (fluxcd/pkg runtime/cel): the object's
 * top-level fields (`metadata`, `spec`, `status`, ...) are the variables; a status.observedGeneration
 * behind metadata.generation is in progress; then `inProgress`, `failed`, `current` are tried in that
 * order and the first true one decides; none true is in progress. Pure.
 */
import { Environment } from '@marcbachmann/cel-js';

import { MooringError, errorMessage } from '../../core/errors.js';
import { groupOf, isRecord, type KubeObject } from '../../core/objects.js';
import type { HealthResult, HealthStatus } from '../types.js';
import type { CelHealthExpressions } from './types.js';

type Program = (context: Record<string, unknown>) => unknown;

/**
 * Any variable may be read (the object's top-level fields are not declared up front, as in Flux), `.?`
 * optional access is on (Flux's documentation recommends `status.?conditions.orValue([])`), and mixed
 * list literals are allowed, as in cel-go.
 */
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  enableOptionalTypes: true,
  homogeneousAggregateLiterals: false,
});

/** A CEL check, parsed once. */
export interface CompiledCelCheck {
  group: string;
  kind: string;
  /** Where it came from, for explanations ("ConfigMap mooring/mooring-health-checks"). */
  origin: string;
  evaluate(obj: KubeObject): HealthResult;
}

const ORDER: readonly { field: 'inProgress' | 'failed' | 'current'; status: HealthStatus }[] = [
  { field: 'inProgress', status: 'Progressing' },
  { field: 'failed', status: 'Degraded' },
  { field: 'current', status: 'Healthy' },
];

/** Parses every expression of one entry; throws INVALID_ARGUMENT naming the bad one. */
export function compileCelCheck(entry: CelHealthExpressions, origin: string): CompiledCelCheck {
  const what = `CEL health check for ${entry.apiVersion} ${entry.kind} (${origin})`;
  if (entry.current.trim() === '')
    throw new MooringError('INVALID_ARGUMENT', `${what}: expression current is required`, {
      hint: 'give `current` (true when healthy); `inProgress` and `failed` are optional, as in Flux',
    });
  const programs: { field: string; status: HealthStatus; program: Program }[] = [];
  for (const { field, status } of ORDER) {
    const source = entry[field];
    if (source === undefined || source.trim() === '') continue;
    let parsed: ReturnType<typeof environment.parse>;
    try {
      parsed = environment.parse(source);
    } catch (error) {
      throw new MooringError(
        'INVALID_ARGUMENT',
        `${what}: expression ${field} does not parse: ${errorMessage(error)}`,
        {
          hint: 'the expressions are CEL, e.g. status.conditions.exists(c, c.type == "Ready" && c.status == "True")',
          cause: error,
        },
      );
    }
    const depth = macroDepth(parsed.ast);
    if (depth > MAX_MACRO_NESTING)
      throw new MooringError(
        'INVALID_ARGUMENT',
        `${what}: expression ${field} nests ${depth} list macros (all, exists, exists_one, map, filter); at most ${MAX_MACRO_NESTING} are allowed`,
        { hint: 'each nested macro multiplies the work by the length of a list; flatten the expression' },
      );
    programs.push({ field, status, program: parsed as Program });
  }
  return {
    group: groupOf(entry.apiVersion),
    kind: entry.kind,
    origin,
    evaluate: (obj) => evaluatePrograms(programs, obj),
  };
}

/**
 * CEL has no loops, but nested list macros multiply: three levels over a 10,000-item list would hold the
 * controller's event loop for minutes. Chained macros (`filter(...).all(...)`) are sequential and cost nothing extra.
 */
const MAX_MACRO_NESTING = 2;
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** How deeply list macros nest inside each other's bodies (receivers are chained, not nested). */
function macroDepth(node: unknown): number {
  if (Array.isArray(node)) return Math.max(0, ...node.map(macroDepth));
  if (!isRecord(node) || typeof node.op !== 'string') return 0;
  const args = node.args;
  if (node.op === 'rcall' && Array.isArray(args) && typeof args[0] === 'string' && MACROS.has(args[0]))
    return Math.max(macroDepth(args[1]), 1 + macroDepth(args[2]));
  return macroDepth(args);
}

function evaluatePrograms(
  programs: readonly { field: string; status: HealthStatus; program: Program }[],
  obj: KubeObject,
): HealthResult {
  const stale = staleGeneration(obj);
  if (stale !== undefined) return { status: 'Progressing', message: stale };
  const context = asCelValue(obj) as Record<string, unknown>;
  for (const { field, status, program } of programs) {
    let value: unknown;
    try {
      value = program(context);
    } catch (error) {
      return {
        status: 'Unknown',
        message: `expression ${field} could not be evaluated: ${errorMessage(error)}`,
      };
    }
    if (typeof value !== 'boolean')
      return { status: 'Unknown', message: `expression ${field} returned ${typeof value}, not a boolean` };
    if (value) return { status, message: `expression ${field} is true` };
  }
  return { status: 'Progressing', message: 'no expression is true yet' };
}

function staleGeneration(obj: KubeObject): string | undefined {
  const observed = isRecord(obj.status) ? obj.status.observedGeneration : undefined;
  const generation = obj.metadata.generation;
  if (typeof observed !== 'number' || typeof generation !== 'number' || observed === generation)
    return undefined;
  return `status.observedGeneration ${observed} is behind metadata.generation ${generation}`;
}

/** JSON integers are CEL ints (BigInt here, int64 in cel-go), so `status.replicas == 3` holds as in Flux. */
function asCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(asCelValue);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asCelValue(item)]));
}
