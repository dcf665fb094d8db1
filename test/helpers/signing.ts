/**
 * Real signing keys for tests: an OpenPGP key made by gpg in a throw-away GNUPGHOME, or an ed25519 SSH
 * key made by ssh-keygen, and signed commits and tags made with them by the git CLI. Every gpg-agent a
 * signer starts is stopped by `close`.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { git } from '../../src/devgit/git-cli.js';
import type { WorkingRepo } from '../../src/devgit/repo.js';

const run = promisify(execFile);

/** A key that can sign commits and tags, and the public half a Secret would hold. */
export interface Signer {
  format: 'openpgp' | 'ssh';
  /** OpenPGP fingerprint, or the SSH key's SHA256 fingerprint. */
  fingerprint: string;
  /** Armored OpenPGP public key, or the `ssh-ed25519 AAAA... comment` line. */
  publicKey: string;
  /** git -c options that make `commit -S` / `tag -s` use this key. */
  gitOptions: string[];
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A new OpenPGP ed25519 signing key without passphrase, in its own GNUPGHOME. */
export async function openpgpSigner(userId: string): Promise<Signer> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-gpg-'));
  const home = join(root, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  const gpg = async (args: string[]): Promise<string> =>
    (await run('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], { timeout: 60_000 })).stdout;
  await gpg(['--passphrase', '', '--quick-gen-key', userId, 'ed25519', 'sign', 'never']);
  const listing = await gpg(['--with-colons', '--list-keys']);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (fingerprint === undefined) throw new Error(`gpg made no key:\n${listing}`);
  const publicKey = await gpg(['--armor', '--export', fingerprint]);
  return {
    format: 'openpgp',
    fingerprint,
    publicKey,
    gitOptions: ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${fingerprint}`],
    env: { GNUPGHOME: home },
    async close() {
      await run('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A new ed25519 SSH key without passphrase. */
export async function sshSigner(comment: string): Promise<Signer> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-ssh-'));
  const keyPath = join(root, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', keyPath]);
  const publicKey = (await readFile(`${keyPath}.pub`, 'utf8')).trim();
  const { stdout } = await run('ssh-keygen', ['-l', '-f', `${keyPath}.pub`]);
  const fingerprint = /(SHA256:\S+)/.exec(stdout)?.[1] ?? '';
  return {
    format: 'ssh',
    fingerprint,
    publicKey,
    gitOptions: ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${keyPath}`],
    env: {},
    async close() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Stages everything and commits, signed by `signer` (unsigned when undefined); returns the commit. */
export async function signedCommit(repo: WorkingRepo, message: string, signer?: Signer): Promise<string> {
  await git(repo.dir, ['add', '--all']);
  const sign = signer === undefined ? ['-c', 'commit.gpgSign=false'] : [...signer.gitOptions];
  await git(
    repo.dir,
    [...sign, 'commit', '--quiet', '--allow-empty', ...(signer === undefined ? [] : ['-S']), '-m', message],
    signer?.env ?? {},
  );
  return repo.head();
}

/** An annotated tag at HEAD, signed by `signer` (unsigned when undefined). */
export async function signedTag(repo: WorkingRepo, name: string, signer?: Signer): Promise<void> {
  const sign = signer === undefined ? ['tag', '--annotate'] : [...signer.gitOptions, 'tag', '--sign'];
  await git(repo.dir, [...sign, '--message', name, name, 'HEAD'], signer?.env ?? {});
}

/** An OpenPGP signing key as a commit-signing Secret holds it: the armored secret key and its passphrase. */
export interface SecretSigningKey {
  fingerprint: string;
  /** Armored public key, to verify with. */
  publicKey: string;
  /** Armored secret key (`gpg --armor --export-secret-keys`), protected by `passphrase` when given. */
  secretKey: string;
  passphrase: string | undefined;
}

/** A new ed25519 signing key (protected by `passphrase` when given); its GNUPGHOME is removed at once. */
export async function openpgpSecretKey(userId: string, passphrase?: string): Promise<SecretSigningKey> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-gpg-'));
  const home = join(root, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  const loopback = ['--pinentry-mode', 'loopback', '--passphrase', passphrase ?? ''];
  const gpg = async (args: string[]): Promise<string> =>
    (await run('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], { timeout: 60_000 })).stdout;
  try {
    await gpg([...loopback, '--quick-gen-key', userId, 'ed25519', 'sign', 'never']);
    const listing = await gpg(['--with-colons', '--list-keys']);
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
    if (fingerprint === undefined) throw new Error(`gpg made no key:\n${listing}`);
    return {
      fingerprint,
      publicKey: await gpg(['--armor', '--export', fingerprint]),
      secretKey: await gpg([...loopback, '--armor', '--export-secret-keys', fingerprint]),
      passphrase,
    };
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * `git verify-commit --raw` of `commit` in `repoDir` against a keyring holding only `publicKey`: gpg's
 * status lines, or the error (with them) when the commit does not verify.
 */
export async function verifyCommitWith(repoDir: string, commit: string, publicKey: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-gpg-verify-'));
  const home = join(root, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  try {
    const importer = execFile('gpg', ['--batch', '--no-tty', '--homedir', home, '--import']);
    const imported = new Promise<void>((resolve, reject) => {
      importer.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`gpg --import exited ${String(code)}`));
      });
    });
    importer.stdin?.end(publicKey);
    await imported;
    const { stderr } = await run('git', ['verify-commit', '--raw', commit], {
      cwd: repoDir,
      env: { ...process.env, GNUPGHOME: home, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      timeout: 60_000,
    });
    return stderr;
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}
