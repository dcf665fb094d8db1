import { MooringError } from '../core/errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s", "5m", "1h30m", "500ms" or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (m === null)
      throw new MooringError('INVALID_ARGUMENT', `invalid duration "${text}"`, {
        hint: 'use e.g. 90s, 5m or 1h30m',
      });
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
    rest = rest.slice(m[0].length);
  }
  return total;
}
