/**
 * User regular expressions (tag filters, exclusion and inclusion lists) run on JS's backtracking engine,
 * where a pattern such as `^(a+)+$` takes exponential time on a tag like `aaaa…!` (ReDoS). Instead of
 * guessing which patterns are safe, every batch of matches runs inside a `vm` context with a time budget:
 * V8 interrupts a runaway match (it checks for interrupts while backtracking) and the pattern fails with a
 * clear error naming the tag, so one hostile ImageRepository or ImagePolicy cannot stall the controller.
 * One context per process, made on first use; a batch is one call into it, so the cost per tag is small
 * (bench/regex-bounded.ts).
 */
import { createContext, Script } from 'node:vm';
import type { Context } from 'node:vm';

import { MooringError } from '../../core/errors.js';

/** One match: the captures by index (0 = the whole match) and the named groups. */
export interface TagMatch {
  captures: readonly (string | undefined)[];
  groups: Readonly<Record<string, string | undefined>> | undefined;
}

/** The time a batch may take: a floor, plus a little per tag (50,000 tags → 1.1 s). */
export function matchBudgetMs(tags: number): number {
  return 100 + tags / 50;
}

interface Batch {
  source: string;
  tags: readonly string[];
  captures: boolean;
  /** Index of the tag being matched, read after a timeout to name it. */
  at: number;
}

// Defined once in the context (builtins of its own realm, nothing of the host's but the batch it is
// handed), so it stays compiled and optimised across batches; each batch is one short script calling it.
const DEFINE_SOURCE = `globalThis.matchBatch = function (batch) {
  const re = new RegExp(batch.source, 'u');
  const tags = batch.tags;
  const out = new Array(tags.length);
  for (let i = 0; i < tags.length; i++) {
    batch.at = i;
    const m = re.exec(tags[i]);
    out[i] = batch.captures ? m : m !== null;
  }
  return out;
};`;
const CALL_SOURCE = 'matchBatch(batch)';

let sandbox: { context: Context; call: Script } | undefined;

function run(batch: Batch, budgetMs: number): unknown[] {
  if (sandbox === undefined) {
    const context = createContext({});
    new Script(DEFINE_SOURCE).runInContext(context);
    sandbox = { context, call: new Script(CALL_SOURCE) };
  }
  const { context, call } = sandbox;
  context.batch = batch;
  try {
    return call.runInContext(context, { timeout: Math.max(1, Math.ceil(budgetMs)) }) as unknown[];
  } finally {
    context.batch = undefined;
  }
}

/** `pattern` as JS reads it: Go's `(?P<name>` becomes `(?<name>`. */
function jsSource(pattern: string): string {
  return pattern.replace(/\(\?P</g, '(?<');
}

/**
 * Checks that `pattern` is a regular expression (Go's `(?P<name>` groups accepted); throws INVALID_ARGUMENT
 * naming `where` otherwise. Compiling is linear: only matching needs the budget.
 */
export function checkPattern(pattern: string, where: string): void {
  try {
    new RegExp(jsSource(pattern), 'u');
  } catch (error) {
    throw new MooringError('INVALID_ARGUMENT', `${where} "${pattern}" is not a valid regular expression`, {
      cause: error,
      retry: 'terminal',
      hint: 'write an RE2/JavaScript regular expression, e.g. ^main-(?P<ts>[0-9]+)-[a-f0-9]+$',
    });
  }
}

/**
 * Patterns stopped once, with why: refused at once from then on, so a hostile pattern costs one budget per
 * process, not one per scan. Oldest forgotten first.
 */
const runaways = new Map<string, string>();
const MAX_REMEMBERED_RUNAWAYS = 1000;

function runaway(pattern: string, where: string, why: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', `${where} "${pattern}" ${why} (catastrophic backtracking)`, {
    retry: 'terminal',
    hint: 'avoid nested or overlapping repetition such as (a+)+ or (a|a)*; anchor the pattern and repeat only plain character classes',
  });
}

function runBounded(
  pattern: string,
  where: string,
  tags: readonly string[],
  captures: boolean,
  budgetMs: number,
): unknown[] {
  checkPattern(pattern, where);
  const known = runaways.get(pattern);
  if (known !== undefined) throw runaway(pattern, where, known);
  const batch: Batch = { source: jsSource(pattern), tags, captures, at: 0 };
  try {
    return run(batch, budgetMs);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
    const tag = (tags[batch.at] ?? '').slice(0, 128);
    const why = `was stopped after ${Math.ceil(budgetMs)} ms matching tag "${tag}"`;
    runaways.set(pattern, why);
    if (runaways.size > MAX_REMEMBERED_RUNAWAYS) runaways.delete(runaways.keys().next().value ?? '');
    throw runaway(pattern, where, why);
  }
}

/** Which of `tags` match `pattern`, in order; throws INVALID_ARGUMENT for a bad or runaway pattern. */
export function testTags(
  pattern: string,
  where: string,
  tags: readonly string[],
  budgetMs = matchBudgetMs(tags.length),
): boolean[] {
  return runBounded(pattern, where, tags, false, budgetMs) as boolean[];
}

/** The match of `pattern` on each of `tags` (null where none), in order; throws as testTags does. */
export function matchTags(
  pattern: string,
  where: string,
  tags: readonly string[],
  budgetMs = matchBudgetMs(tags.length),
): (TagMatch | null)[] {
  // Read-only views of the context's match arrays: copying them would cost more than the matching.
  const raw = runBounded(pattern, where, tags, true, budgetMs) as (RegExpExecArray | null)[];
  const matches = new Array<TagMatch | null>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const m = raw[i];
    matches[i] = m === null || m === undefined ? null : { captures: m, groups: m.groups };
  }
  return matches;
}
