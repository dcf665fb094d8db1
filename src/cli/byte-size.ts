import { MooringError } from '../core/errors.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** Bytes from `123`, `64Mi`, `256Mi`, `1Gi` (binary units, as Kubernetes quantities write them). */
export function parseByteSize(text: string, option: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  const unit = UNITS[match?.[2] ?? ''];
  if (match === null || unit === undefined || Number(match[1]) <= 0)
    throw new MooringError('INVALID_ARGUMENT', `${option} ${text}: not a size`, {
      hint: 'give a positive number of bytes, optionally with Ki, Mi or Gi (e.g. 256Mi)',
    });
  return Number(match[1]) * unit;
}
