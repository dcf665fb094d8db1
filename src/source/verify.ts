/**
 * Signature verification of a resolved revision with the real `git verify-commit` / `git verify-tag`:
 * OpenPGP against a throw-away GNUPGHOME (0700) holding only the trusted keys, SSH against an
 * allowed-signers file built from the trusted keys. Nothing else is trusted: no keyserver, no agent,
 * no user or system git config (git-env.ts). An unsigned, badly signed or untrusted revision throws
 * UNVERIFIED_SOURCE naming the object, the keys that were expected and why.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import { gitEnv } from './git-env.js';
import { runGit } from './git-run.js';
import {
  allowedSignersOf,
  GPG_CONF,
  parseGpgKeyList,
  parseGpgStatus,
  parseSshResult,
  signatureFormatOf,
  verifyArgs,
} from './verify-parse.js';
import type { TrustedKey, VerifiedSignature, VerifySpec } from './verify-parse.js';

export type * from './verify-parse.js';

const GPG_TIMEOUT_MS = 30_000;

/** What is being verified: the commit, and the tag when the ref is a tag (or semver range). */
export interface VerifyTarget {
  mirrorDir: string;
  commit: string;
  /** The tag the ref resolved to; undefined for a branch or commit ref. */
  tag: string | undefined;
  /** The repository as shown to people. */
  url: string;
}

/** The trusted keys as a person reads them: fingerprints / comments and where they came from. */
interface Keyring {
  gnupgHome: string;
  allowedSigners: string;
  /** OpenPGP fingerprint -> user id. */
  openpgp: Map<string, string>;
  /** SSH principal (key-N) -> Secret key name and comment. */
  ssh: Map<string, string>;
  origin: string;
}

/**
 * Verifies what `spec.mode` asks for at `target`; resolves with who signed each verified object, throws
 * UNVERIFIED_SOURCE otherwise. Runs before anything is exported or rendered.
 */
export async function verifyRevision(target: VerifyTarget, spec: VerifySpec): Promise<VerifiedSignature[]> {
  const tagObject = spec.mode === 'head' ? undefined : await tagObjectOf(target);
  // Objects never change under their id, so a verdict for the same objects and keys stays true.
  const key = cacheKeyOf(target, spec, tagObject);
  const cached = verifiedCache.get(key);
  if (cached !== undefined) return cached.map((v) => ({ ...v }));
  const home = await mkdtemp(join(tmpdir(), 'mooring-verify-'));
  try {
    await chmod(home, 0o700);
    const keyring = await buildKeyring(home, spec);
    const verified: VerifiedSignature[] = [];
    if (spec.mode === 'tag' || spec.mode === 'tagAndHead')
      verified.push(await verifyTag(target, keyring, tagObject));
    if (spec.mode === 'head' || spec.mode === 'tagAndHead')
      verified.push(await verifyObject(target, keyring, 'commit', target.commit, target.commit));
    remember(key, verified);
    return verified.map((v) => ({ ...v }));
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Successful verdicts only, keyed by what they depend on; oldest dropped first. */
const verifiedCache = new Map<string, VerifiedSignature[]>();
const MAX_CACHED_VERDICTS = 1000;

function cacheKeyOf(target: VerifyTarget, spec: VerifySpec, tagObject: string | undefined): string {
  const keys = spec.keys.map((k) => [k.format, k.source, k.text]);
  return createHash('sha256')
    .update(JSON.stringify([spec.mode, spec.origin, target.commit, target.tag ?? '', tagObject ?? '', keys]))
    .digest('hex');
}

function remember(key: string, verified: VerifiedSignature[]): void {
  verifiedCache.set(key, verified);
  while (verifiedCache.size > MAX_CACHED_VERDICTS) {
    const oldest = verifiedCache.keys().next().value;
    if (oldest === undefined) break;
    verifiedCache.delete(oldest);
  }
}

/** The object refs/tags/<tag> points to now (resolved once, so the verdict is about exactly it). */
async function tagObjectOf(target: VerifyTarget): Promise<string | undefined> {
  if (target.tag === undefined) return undefined;
  try {
    const ref = `refs/tags/${target.tag}`;
    return (
      await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', ref], { cwd: target.mirrorDir })
    ).trim();
  } catch {
    return undefined;
  }
}

async function buildKeyring(home: string, spec: VerifySpec): Promise<Keyring> {
  const gnupgHome = join(home, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  await writeFile(join(gnupgHome, 'gpg.conf'), GPG_CONF, { mode: 0o600 });
  const { file, principals } = allowedSignersOf(spec.keys);
  const allowedSigners = join(home, 'allowed_signers');
  await writeFile(allowedSigners, file, { mode: 0o600 });
  const openpgp = new Map<string, string>();
  const armored = spec.keys.filter((k) => k.format === 'openpgp');
  if (armored.length > 0) {
    await importKeys(gnupgHome, armored, spec.origin);
    const listing = await gpg(gnupgHome, ['--with-colons', '--list-keys']);
    for (const key of parseGpgKeyList(listing)) openpgp.set(key.fingerprint, key.userId);
  }
  if (openpgp.size === 0 && principals.size === 0)
    throw new MooringError('UNVERIFIED_SOURCE', `${spec.origin} holds no usable public key`, {
      step: 'source',
      subject: spec.origin,
      hint: 'add OpenPGP public keys as *.asc (armored) and/or SSH public keys as *.pub or allowed_signers',
    });
  return { gnupgHome, allowedSigners, openpgp, ssh: principals, origin: spec.origin };
}

async function importKeys(gnupgHome: string, keys: readonly TrustedKey[], origin: string): Promise<void> {
  for (const key of keys) {
    try {
      await gpg(gnupgHome, ['--import'], key.text);
    } catch (error) {
      throw new MooringError(
        'UNVERIFIED_SOURCE',
        `${origin}: ${key.source} is not a readable OpenPGP public key`,
        {
          step: 'source',
          subject: origin,
          hint: 'store the output of gpg --armor --export <fingerprint>',
          cause: error,
        },
      );
    }
  }
}

/** Runs gpg on the throw-away home only (argument array, no shell, no agent, no keyserver). */
function gpg(gnupgHome: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'gpg',
      ['--batch', '--no-tty', '--homedir', gnupgHome, ...args],
      { env: gitEnv({ GNUPGHOME: gnupgHome }), timeout: GPG_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else
          reject(new Error(`gpg ${args[0] ?? ''} failed: ${stderr.trim().split('\n').slice(-2).join(' ')}`));
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

async function verifyTag(
  target: VerifyTarget,
  keyring: Keyring,
  object: string | undefined,
): Promise<VerifiedSignature> {
  if (target.tag === undefined)
    throw refused(
      target,
      keyring,
      `the ref of ${target.url} is not a tag`,
      `verify mode tag needs ref.tag or ref.semver`,
      'tag',
    );
  if (object === undefined)
    throw refused(target, keyring, `tag ${target.tag} of ${target.url} is gone`, 'retry', 'tag');
  const type = (await runGit(['cat-file', '-t', object], { cwd: target.mirrorDir })).trim();
  if (type !== 'tag')
    throw refused(
      target,
      keyring,
      `tag ${target.tag} of ${target.url} is a lightweight tag, which cannot be signed`,
      'use git tag -s (or -a with tag.gpgSign)',
      'tag',
    );
  const peeled = (
    await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${object}^{commit}`], {
      cwd: target.mirrorDir,
    })
  ).trim();
  if (peeled !== target.commit)
    throw refused(
      target,
      keyring,
      `tag ${target.tag} of ${target.url} moved while it was being verified`,
      'retry',
      'tag',
    );
  return verifyObject(target, keyring, 'tag', object, target.tag);
}

async function verifyObject(
  target: VerifyTarget,
  keyring: Keyring,
  kind: 'commit' | 'tag',
  object: string,
  name: string,
): Promise<VerifiedSignature> {
  const raw = await runGit(['cat-file', kind, object], { cwd: target.mirrorDir });
  const format = signatureFormatOf(kind, raw);
  if (format === undefined)
    throw refused(target, keyring, `${describe(kind, name, target.url)} is not signed`, signHint(kind), kind);
  if (format === 'x509')
    throw refused(
      target,
      keyring,
      `${describe(kind, name, target.url)} has an X.509 signature`,
      'sign with OpenPGP or SSH',
      kind,
    );
  const output = await runVerify(target.mirrorDir, keyring, kind, object);
  if (format === 'openpgp') {
    const result = parseGpgStatus(output.text);
    const fingerprint = result.fingerprint;
    if (!output.ok || !result.good || fingerprint === undefined || !keyring.openpgp.has(fingerprint))
      throw refused(
        target,
        keyring,
        `${describe(kind, name, target.url)} is refused: ${result.reason}`,
        trustHint,
        kind,
      );
    const userId = keyring.openpgp.get(fingerprint) ?? '';
    return { object: kind, name, format, signer: `${fingerprint}${userId === '' ? '' : ` (${userId})`}` };
  }
  const result = parseSshResult(output.text);
  const principal = result.principal;
  if (!output.ok || !result.good || principal === undefined || !keyring.ssh.has(principal))
    throw refused(
      target,
      keyring,
      `${describe(kind, name, target.url)} is refused: ${result.reason}`,
      trustHint,
      kind,
    );
  return {
    object: kind,
    name,
    format,
    signer: `${result.fingerprint ?? ''} (${keyring.ssh.get(principal) ?? ''})`,
  };
}

/**
 * Runs git verify-commit/verify-tag once: its report (gpg status lines or ssh-keygen's words) is on
 * stderr whether it passes or fails, so both the exit status and the report are kept.
 */
function runVerify(
  mirrorDir: string,
  keyring: Keyring,
  kind: 'commit' | 'tag',
  object: string,
): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      verifyArgs(kind, object, keyring.allowedSigners),
      {
        cwd: mirrorDir,
        env: gitEnv({ GNUPGHOME: keyring.gnupgHome }),
        timeout: GPG_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
      },
      (error, _stdout, stderr) => {
        if (error === null) resolve({ ok: true, text: stderr });
        else if (typeof error.code === 'number') resolve({ ok: false, text: stderr });
        else
          reject(
            new Error(
              `git ${kind === 'commit' ? 'verify-commit' : 'verify-tag'} did not finish: ${error.message}`,
            ),
          );
      },
    );
  });
}

const trustHint =
  "sign with one of the trusted keys, or add the signer's public key to the Secret named by spec.source.verify.secretRef";

function signHint(kind: 'commit' | 'tag'): string {
  return kind === 'commit'
    ? 'sign the commit (git commit -S, or commit.gpgSign=true) with a trusted key'
    : 'sign the tag (git tag -s) with a trusted key';
}

function describe(kind: 'commit' | 'tag', name: string, url: string): string {
  return `${kind === 'commit' ? `commit ${name.slice(0, 12)}` : `tag ${name}`} of ${url}`;
}

/** UNVERIFIED_SOURCE naming the object, why, and every key that would have been accepted. */
function refused(
  target: VerifyTarget,
  keyring: Keyring,
  why: string,
  hint: string,
  kind: 'commit' | 'tag',
): MooringError {
  const expected = [
    ...[...keyring.openpgp].map(([fpr, uid]) => `OpenPGP ${fpr}${uid === '' ? '' : ` (${uid})`}`),
    ...[...keyring.ssh.values()].map((what) => `SSH ${what}`),
  ];
  const at = kind === 'tag' ? ` (commit ${target.commit.slice(0, 12)})` : '';
  return new MooringError(
    'UNVERIFIED_SOURCE',
    `${why}${at}; expected a signature by one of the keys in ${keyring.origin}: ${expected.join(', ')}`,
    { step: 'source', subject: target.url, hint },
  );
}
