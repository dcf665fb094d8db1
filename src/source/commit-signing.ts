/**
 * OpenPGP signing of the commits image automation writes, with the real `gpg`: for each signing, a private
 * GNUPGHOME (0700, in a fresh temporary folder) into which only the Secret's key is imported; the payload is
 * signed there (passphrase on a pipe, fd 3, with loopback pinentry: never argv, environment or a file), the
 * agent that gpg started for that home is stopped, and the folder removed. Nothing from the controller's own
 * home, agent or keyring is used. The signature goes into the commit as git itself writes it: a `gpgsig`
 * header after the others, so `git verify-commit` checks it.
 */
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import { gitEnv } from './git-env.js';

/** The key a commit is signed with, as a Secret holds it (Flux's `git.asc` and `passphrase`). Never logged. */
export interface CommitSigningKey {
  /** Armored OpenPGP secret key (`gpg --armor --export-secret-keys`). */
  armoredKey: string;
  passphrase?: string | undefined;
  /** Where the key came from, for errors: `Secret ns/name`. */
  origin: string;
}

const GPG_TIMEOUT_MS = 30_000;
const MAX_GPG_OUTPUT = 1024 * 1024;
/** No keyserver, no auto-retrieval; loopback pinentry so the passphrase comes from our pipe. */
const SIGNING_GPG_CONF = ['no-auto-key-retrieve', 'pinentry-mode loopback', ''].join('\n');
const AGENT_CONF = ['allow-loopback-pinentry', ''].join('\n');

/**
 * `payload` (a commit object as `git cat-file commit` prints it, unsigned) with a `gpgsig` header made with
 * `key`. Throws SOURCE_FAILED naming the Secret and what is wrong with it (never its content).
 */
export async function signCommitPayload(payload: string, key: CommitSigningKey): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-sign-'));
  const home = join(root, 'g');
  try {
    await chmod(root, 0o700);
    await mkdir(home, { mode: 0o700 });
    await writeFile(join(home, 'gpg.conf'), SIGNING_GPG_CONF, { mode: 0o600 });
    await writeFile(join(home, 'gpg-agent.conf'), AGENT_CONF, { mode: 0o600 });
    const passphrase = key.passphrase ?? '';
    await gpg(home, ['--import'], { stdin: key.armoredKey, passphrase }).catch((error: unknown) => {
      throw keyError(key, 'is not a readable OpenPGP secret key (git.asc)', error);
    });
    const fingerprint = signingFingerprint(await gpg(home, ['--with-colons', '--list-secret-keys']));
    if (fingerprint === undefined) throw keyError(key, 'holds no OpenPGP secret key that can sign');
    const signature = await gpg(
      home,
      ['--armor', '--detach-sign', '--local-user', `${fingerprint}!`, '--output', '-'],
      { stdin: payload, passphrase },
    ).catch((error: unknown) => {
      throw keyError(key, 'could not sign (is the passphrase right?)', error);
    });
    return withSignature(payload, signature);
  } finally {
    await stopAgent(home);
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The fingerprint of the first secret key (or subkey) with the signing capability, from
 * `gpg --with-colons --list-secret-keys`. Pure.
 */
export function signingFingerprint(listing: string): string | undefined {
  let canSign = false;
  for (const line of listing.split('\n')) {
    const fields = line.split(':');
    const type = fields[0];
    if (type === 'sec' || type === 'ssb') {
      // Field 12 holds the capabilities; a lowercase 's' is this (sub)key's own, and field 2 'r'/'e'/'d' are unusable.
      const validity = fields[1] ?? '';
      canSign = (fields[11] ?? '').includes('s') && !/[redni]/.test(validity);
    } else if (type === 'fpr' && canSign) {
      const fingerprint = fields[9] ?? '';
      if (/^[0-9A-F]{40,64}$/.test(fingerprint)) return fingerprint;
    }
  }
  return undefined;
}

/**
 * `payload` with `signature` as its `gpgsig` header, the last header before the message, each
 * continuation line starting with a space, as git writes it. Pure.
 */
export function withSignature(payload: string, signature: string): string {
  const end = payload.indexOf('\n\n');
  const headers = end < 0 ? payload.replace(/\n$/, '') : payload.slice(0, end);
  const rest = end < 0 ? '\n' : payload.slice(end + 1);
  const lines = signature.replace(/\n+$/, '').split('\n');
  return `${headers}\ngpgsig ${lines.join('\n ')}\n${rest}`;
}

function keyError(key: CommitSigningKey, why: string, cause?: unknown): MooringError {
  return new MooringError('SOURCE_FAILED', `the commit signing key in ${key.origin} ${why}`, {
    step: 'source',
    subject: key.origin,
    retry: 'terminal',
    hint: 'store gpg --armor --export-secret-keys <fingerprint> under git.asc, and its passphrase (if any) under passphrase',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Runs gpg on `home` only: argument array, no shell, batch mode; the passphrase (when given) is written to
 * fd 3 and named with --passphrase-fd, so it is in neither argv nor the environment.
 */
function gpg(
  home: string,
  args: string[],
  input: { stdin?: string; passphrase?: string } = {},
): Promise<string> {
  const passphraseArgs = input.passphrase === undefined ? [] : ['--passphrase-fd', '3'];
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', ['--batch', '--no-tty', '--homedir', home, ...passphraseArgs, ...args], {
      env: gitEnv({ GNUPGHOME: home }),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), GPG_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_GPG_OUTPUT) child.kill('SIGKILL');
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const fd3 = child.stdio[3] as NodeJS.WritableStream | null;
    if (fd3 !== null) {
      fd3.on('error', () => undefined);
      fd3.end(input.passphrase === undefined ? '' : `${input.passphrase}\n`);
    }
    child.stdin.on('error', () => undefined);
    child.stdin.end(input.stdin ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run gpg: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      // gpg's own messages name keys and reasons, never the passphrase or key material.
      const last = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-2).join(' ');
      reject(new Error(`gpg ${args[0] ?? ''} failed (exit ${String(code)}): ${last}`));
    });
  });
}

/** Stops the gpg-agent gpg started for `home` (it would outlive the folder otherwise). */
function stopAgent(home: string): Promise<void> {
  return new Promise((resolve) => {
    execFile(
      'gpgconf',
      ['--homedir', home, '--kill', 'gpg-agent'],
      { env: gitEnv({ GNUPGHOME: home }), timeout: GPG_TIMEOUT_MS },
      () => {
        resolve();
      },
    );
  });
}
