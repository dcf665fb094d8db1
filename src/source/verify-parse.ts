/**
 * The pure half of signature verification: which signature an object carries, the files the throw-away
 * keyrings are built from, the git command lines, and what git's output says about the signer. No I/O.
 */

/** What to verify: the commit (head), the annotated tag the ref names (tag), or both. */
export type VerifyMode = 'head' | 'tag' | 'tagAndHead';

/** One trusted public key, named after the Secret key that held it (e.g. `release.asc`). */
export interface TrustedKey {
  /** The Secret's key (file) name: shown in errors so a person knows which keys were expected. */
  source: string;
  /** `openpgp`: an ASCII-armored public key block (or several). `ssh`: one `ssh-ed25519 AAAA... comment` line. */
  format: 'openpgp' | 'ssh';
  text: string;
}

/** The trusted keys of one Application. */
export interface VerifyKeys {
  keys: TrustedKey[];
  /** Where the keys came from, e.g. `Secret mooring-system/release-keys`: named in errors. */
  origin: string;
}

export interface VerifySpec extends VerifyKeys {
  mode: VerifyMode;
}

/** A signature format git knows, read from the object itself. */
export type SignatureFormat = 'openpgp' | 'ssh' | 'x509';

/** One verified object and who signed it. */
export interface VerifiedSignature {
  object: 'commit' | 'tag';
  /** The commit id, or the tag's name. */
  name: string;
  format: 'openpgp' | 'ssh';
  /** OpenPGP: the signing key's fingerprint (and user id). SSH: the key's SHA256 fingerprint and the key it matched. */
  signer: string;
}

const SIGNATURE_HEADERS: readonly [string, SignatureFormat][] = [
  ['-----BEGIN PGP SIGNATURE-----', 'openpgp'],
  ['-----BEGIN SSH SIGNATURE-----', 'ssh'],
  ['-----BEGIN SIGNED MESSAGE-----', 'x509'],
];

/**
 * The format of the signature in a raw commit (`gpgsig`/`gpgsig-sha256` header) or tag (a signature
 * block at the end of the message), or undefined when the object is unsigned. Pure.
 */
export function signatureFormatOf(object: 'commit' | 'tag', raw: string): SignatureFormat | undefined {
  const headerEnd = raw.indexOf('\n\n');
  const headers = headerEnd === -1 ? raw : raw.slice(0, headerEnd);
  const where =
    object === 'commit'
      ? (/^gpgsig(?:-sha256)? (.*)$/m.exec(headers)?.[1] ?? '')
      : ((headerEnd === -1 ? '' : raw.slice(headerEnd))
          .split('\n')
          .find((line) => line.startsWith('-----BEGIN')) ?? '');
  return SIGNATURE_HEADERS.find(([header]) => where.trim() === header)?.[1];
}

/** gpg.conf of the throw-away GNUPGHOME: never reach a keyserver or start an agent; the keyring holds only trusted keys. */
export const GPG_CONF = ['no-auto-key-retrieve', 'no-autostart', 'trust-model always', ''].join('\n');

/**
 * The allowed_signers file for the SSH keys: one principal per key (`key-N`), valid only for git
 * signatures. Key lines must be `type base64 [comment]`; anything else is reported, not written. Pure.
 */
export function allowedSignersOf(keys: readonly TrustedKey[]): {
  file: string;
  principals: Map<string, string>;
} {
  const principals = new Map<string, string>();
  const lines: string[] = [];
  for (const key of keys) {
    if (key.format !== 'ssh') continue;
    const principal = `key-${principals.size + 1}`;
    principals.set(principal, `${key.source}${commentOf(key.text)}`);
    lines.push(`${principal} namespaces="git" ${key.text.trim()}`);
  }
  return { file: lines.length === 0 ? '' : `${lines.join('\n')}\n`, principals };
}

function commentOf(line: string): string {
  const comment = line.trim().split(/\s+/).slice(2).join(' ');
  return comment === '' ? '' : ` (${comment})`;
}

const SSH_KEY =
  /(?:^|\s)((?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3})(?: ([^\r\n]*))?$/;

/**
 * The SSH public keys of a `*.pub` or `allowed_signers` text: from every line, only `type base64
 * [comment]` is kept (principals and options of an allowed_signers line, such as cert-authority, are
 * dropped: Mooring writes its own). Lines without a key are returned as `rejected`. Pure.
 */
export function sshKeysOf(source: string, text: string): { keys: TrustedKey[]; rejected: string[] } {
  const keys: TrustedKey[] = [];
  const rejected: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SSH_KEY.exec(line);
    if (match?.[1] === undefined) rejected.push(line.slice(0, 40));
    else {
      const comment = (match[2] ?? '').replace(/[^\x20-\x7e]/g, '').trim();
      keys.push({ source, format: 'ssh', text: comment === '' ? match[1] : `${match[1]} ${comment}` });
    }
  }
  return { keys, rejected };
}

/**
 * Arguments of `git verify-commit` / `git verify-tag` for `object`: only the allowed-signers file given
 * here (gpg finds its keyring through GNUPGHOME), raw status output, and the object after
 * --end-of-options so it can never be read as an option. Pure.
 */
export function verifyArgs(kind: 'commit' | 'tag', object: string, allowedSignersFile: string): string[] {
  return [
    '-c',
    `gpg.ssh.allowedSignersFile=${allowedSignersFile}`,
    '-c',
    'gpg.ssh.revocationFile=',
    '-c',
    'gpg.program=gpg',
    '-c',
    'gpg.ssh.program=ssh-keygen',
    kind === 'commit' ? 'verify-commit' : 'verify-tag',
    '--raw',
    '--end-of-options',
    object,
  ];
}

/** Key listing of `gpg --with-colons --list-keys`: each primary key's fingerprint and first user id. Pure. */
export function parseGpgKeyList(output: string): { fingerprint: string; userId: string }[] {
  const keys: { fingerprint: string; userId: string }[] = [];
  let current: { fingerprint: string; userId: string } | undefined;
  let expectPrimaryFpr = false;
  for (const line of output.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'pub') {
      current = { fingerprint: '', userId: '' };
      keys.push(current);
      expectPrimaryFpr = true;
    } else if (fields[0] === 'fpr' && current !== undefined && expectPrimaryFpr) {
      current.fingerprint = fields[9] ?? '';
      expectPrimaryFpr = false;
    } else if (fields[0] === 'uid' && current?.userId === '') {
      current.userId = (fields[9] ?? '').replace(/\\x3a/g, ':');
    } else if (fields[0] === 'sub') {
      expectPrimaryFpr = false;
    }
  }
  return keys;
}

/** What git's --raw output says about an OpenPGP signature. Pure. */
export function parseGpgStatus(output: string): { good: boolean; fingerprint?: string; reason: string } {
  const status = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^\[GNUPG:\] ([A-Z_]+) ?(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && !status.has(match[1])) status.set(match[1], match[2] ?? '');
  }
  const valid = status.get('VALIDSIG');
  if (status.has('GOODSIG') && valid !== undefined) {
    const fields = valid.split(' ');
    return { good: true, fingerprint: fields[9] ?? fields[0] ?? '', reason: 'good signature' };
  }
  if (status.has('BADSIG'))
    return { good: false, reason: 'the signature does not match the content (BADSIG)' };
  if (status.has('NO_PUBKEY') || status.has('ERRSIG')) {
    const keyId = (status.get('NO_PUBKEY') ?? status.get('ERRSIG') ?? '').split(' ')[0] ?? '';
    return { good: false, reason: `it was signed by key ${keyId}, which is not a trusted key` };
  }
  if (status.has('EXPKEYSIG')) return { good: false, reason: 'the signing key has expired' };
  if (status.has('REVKEYSIG')) return { good: false, reason: 'the signing key was revoked' };
  if (status.has('EXPSIG')) return { good: false, reason: 'the signature has expired' };
  return { good: false, reason: 'gpg did not report a good signature' };
}

/** What git's output says about an SSH signature: the principal (our `key-N`) and the key's fingerprint. Pure. */
export function parseSshResult(output: string): {
  good: boolean;
  principal?: string;
  fingerprint?: string;
  reason: string;
} {
  const good = /Good "git" signature for (\S+) with \S+ key (SHA256:[A-Za-z0-9+/=]+)/.exec(output);
  if (good !== null)
    return { good: true, principal: good[1] ?? '', fingerprint: good[2] ?? '', reason: 'good signature' };
  const key = /key (SHA256:[A-Za-z0-9+/=]+)/.exec(output)?.[1];
  if (/No principal matched/i.test(output))
    return {
      good: false,
      reason: `it was signed by SSH key ${key ?? '(unknown)'}, which is not a trusted key`,
      ...(key === undefined ? {} : { fingerprint: key }),
    };
  if (/incorrect signature|Signature verification failed/i.test(output))
    return { good: false, reason: 'the signature does not match the content' };
  return { good: false, reason: 'ssh-keygen did not report a good signature' };
}
