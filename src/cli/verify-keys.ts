/**
 * `--verify-keys DIR` of render, diff and apply: the trusted public keys of a folder (the same file
 * names as the controller's Secret: *.asc, *.pub, allowed_signers), so push mode refuses unsigned
 * revisions like the controller does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { trustedKeysOf } from '../controller/verify-keys.js';
import { MooringError } from '../core/errors.js';
import type { VerifyMode, VerifySpec } from '../source/index.js';

const MODES: readonly VerifyMode[] = ['head', 'tag', 'tagAndHead'];

/** The VerifySpec of `--verify-keys DIR [--verify-mode MODE]`, or undefined without --verify-keys. */
export async function verifySpecFromOptions(opts: {
  verifyKeys?: string;
  verifyMode?: string;
}): Promise<VerifySpec | undefined> {
  if (opts.verifyKeys === undefined) {
    if (opts.verifyMode !== undefined)
      throw new MooringError('INVALID_ARGUMENT', '--verify-mode needs --verify-keys', {
        hint: 'give the folder of trusted public keys with --verify-keys DIR',
      });
    return undefined;
  }
  const mode = (opts.verifyMode ?? 'head') as VerifyMode;
  if (!MODES.includes(mode))
    throw new MooringError('INVALID_ARGUMENT', `--verify-mode must be one of ${MODES.join(', ')}`);
  const dir = resolve(opts.verifyKeys);
  const origin = `--verify-keys ${dir}`;
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (error) {
    throw new MooringError('INVALID_ARGUMENT', `cannot read the folder ${dir} given to --verify-keys`, {
      hint: 'give a folder holding *.asc (OpenPGP) and/or *.pub / allowed_signers (SSH) public keys',
      cause: error,
    });
  }
  const data: Record<string, string> = {};
  for (const name of names) data[name] = (await readFile(join(dir, name))).toString('base64');
  const keys = trustedKeysOf(origin, data);
  if (keys.length === 0)
    throw new MooringError('UNVERIFIED_SOURCE', `${origin} holds no *.asc, *.pub or allowed_signers file`, {
      step: 'source',
      hint: 'export the trusted keys into it: gpg --armor --export FPR > key.asc, or copy an SSH key.pub',
    });
  return { mode, keys, origin };
}
