import { MooringError } from '../core/errors.js';
import { durationMs } from '../crd/common.js';

/** "90s", "5m", "1h30m", "500ms" (the Application spec's syntax) or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const ms = durationMs(text);
  if (Number.isNaN(ms))
    throw new MooringError('INVALID_ARGUMENT', `invalid duration "${text}"`, {
      hint: 'use e.g. 90s, 5m or 1h30m',
    });
  return ms;
}
