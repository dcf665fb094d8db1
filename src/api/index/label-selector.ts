/**
 * Kubernetes label selectors (`app=web,tier!=db,env in (prod,staging),!legacy,owner`) parsed into
 * requirements and matched against labels, as the API server's list does. Pure.
 */
import { MooringError } from '../../core/errors.js';

export type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'notexists' };

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function invalid(selector: string, why: string): MooringError {
  return new MooringError('INVALID_ARGUMENT', `invalid label selector "${selector.slice(0, 200)}": ${why}`, {
    hint: 'write it as kubectl does: app=web,tier!=db,env in (prod,staging),!legacy',
  });
}

/** Splits at commas outside parentheses. */
function clauses(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(selector: string, key: string): string {
  if (key.length > 317 || !KEY.test(key)) throw invalid(selector, `"${key.slice(0, 80)}" is not a label key`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (value.length > 63 || !VALUE.test(value))
    throw invalid(selector, `"${value.slice(0, 80)}" is not a label value`);
  return value;
}

/** Parses a selector; throws INVALID_ARGUMENT naming what is wrong. Pure. */
export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.length > 4096) throw invalid(selector, 'longer than 4096 characters');
  return clauses(selector).map((clause): Requirement => {
    const set = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(clause);
    if (set !== null) {
      const values = (set[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return {
        key: checkKey(selector, set[1] ?? ''),
        op: set[2] === 'in' ? 'in' : 'notin',
        values: values.map((v) => checkValue(selector, v)),
      };
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(clause);
    if (eq !== null) {
      return {
        key: checkKey(selector, eq[1] ?? ''),
        op: eq[2] === '!=' ? 'notin' : 'in',
        values: [checkValue(selector, eq[3] ?? '')],
      };
    }
    if (clause.startsWith('!')) return { key: checkKey(selector, clause.slice(1).trim()), op: 'notexists' };
    return { key: checkKey(selector, clause), op: 'exists' };
  });
}

/** Whether labels satisfy every requirement. Pure. */
export function matchesSelector(
  requirements: readonly Requirement[],
  labels: Record<string, string>,
): boolean {
  for (const r of requirements) {
    const value = labels[r.key];
    switch (r.op) {
      case 'exists':
        if (value === undefined) return false;
        break;
      case 'notexists':
        if (value !== undefined) return false;
        break;
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
    }
  }
  return true;
}
