/** Typed reads of the free-form JSON of live objects: numbers, strings, conditions. Missing means undefined. */
import { fieldAt, isRecord } from '../core/objects.js';

/** A status condition as the API server writes it (`type`, `status` "True"/"False"/"Unknown", reason, message). */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  /** The generation the condition describes, when the controller writes it. */
  observedGeneration?: number;
}

export function numberAt(obj: unknown, path: readonly (string | number)[]): number | undefined {
  const value = fieldAt(obj, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringAt(obj: unknown, path: readonly (string | number)[]): string | undefined {
  const value = fieldAt(obj, path);
  return typeof value === 'string' ? value : undefined;
}

export function recordsAt(obj: unknown, path: readonly (string | number)[]): Record<string, unknown>[] {
  const value = fieldAt(obj, path);
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Parses condition entries, skipping any without a type. */
export function parseConditions(entries: readonly unknown[]): Condition[] {
  const conditions: Condition[] = [];
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry.type !== 'string') continue;
    const condition: Condition = {
      type: entry.type,
      status: typeof entry.status === 'string' ? entry.status : 'Unknown',
      reason: typeof entry.reason === 'string' ? entry.reason : '',
      message: typeof entry.message === 'string' ? entry.message : '',
    };
    if (typeof entry.observedGeneration === 'number') condition.observedGeneration = entry.observedGeneration;
    conditions.push(condition);
  }
  return conditions;
}

/** The conditions under `status.conditions`. */
export function conditionsOf(obj: unknown): Condition[] {
  return parseConditions(recordsAt(obj, ['status', 'conditions']));
}

export function conditionOf(obj: unknown, type: string): Condition | undefined {
  return conditionsOf(obj).find((condition) => condition.type === type);
}

/** True when the condition exists with status "True". */
export function conditionIsTrue(obj: unknown, type: string): boolean {
  return conditionOf(obj, type)?.status === 'True';
}

/** "Reason: message", or whichever of the two exists. */
export function explainCondition(condition: Condition): string {
  if (condition.reason !== '' && condition.message !== '') return `${condition.reason}: ${condition.message}`;
  return condition.message !== '' ? condition.message : condition.reason;
}

/** Long API messages (image pull errors, scheduler output) shortened for one-line summaries. */
export function clip(text: string, max = 160): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** True only when the field is the boolean true. */
export function isTrueAt(obj: unknown, path: readonly (string | number)[]): boolean {
  return fieldAt(obj, path) === true;
}
