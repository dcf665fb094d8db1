import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { trustedKeysOf } from '../../../src/controller/verify-keys.js';
import { MooringError } from '../../../src/core/errors.js';
import {
  allowedSignersOf,
  GPG_CONF,
  parseGpgKeyList,
  parseGpgStatus,
  parseSshResult,
  signatureFormatOf,
  sshKeysOf,
  verifyArgs,
} from '../../../src/source/verify-parse.js';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJONYTMAPrMz2rgz920fMOT3P/T5REKJEt+IW3p28cfd';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('verifyArgs', () => {
  it('builds verify-commit with only our allowed-signers file, no revocation file, and the object after --end-of-options', () => {
    assert.deepEqual(verifyArgs('commit', '0123abc', '/tmp/x/allowed_signers'), [
      '-c',
      'gpg.ssh.allowedSignersFile=/tmp/x/allowed_signers',
      '-c',
      'gpg.ssh.revocationFile=',
      '-c',
      'gpg.program=gpg',
      '-c',
      'gpg.ssh.program=ssh-keygen',
      'verify-commit',
      '--raw',
      '--end-of-options',
      '0123abc',
    ]);
  });

  it('builds verify-tag, and an option-like object stays an operand', () => {
    const args = verifyArgs('tag', '--output=/etc/passwd', '/a');
    assert.equal(args.at(-4), 'verify-tag');
    assert.deepEqual(args.slice(-2), ['--end-of-options', '--output=/etc/passwd']);
  });

  it('keeps gpg off the network and away from any agent', () => {
    assert.match(GPG_CONF, /^no-auto-key-retrieve$/m);
    assert.match(GPG_CONF, /^no-autostart$/m);
  });
});

describe('allowedSignersOf', () => {
  it('writes one principal per SSH key, for git signatures only, and ignores OpenPGP keys', () => {
    const { file, principals } = allowedSignersOf([
      { source: 'a.pub', format: 'ssh', text: `${ED25519} alice@example` },
      { source: 'b.asc', format: 'openpgp', text: '-----BEGIN PGP PUBLIC KEY BLOCK-----' },
      { source: 'c.pub', format: 'ssh', text: ED25519 },
    ]);
    assert.equal(
      file,
      `key-1 namespaces="git" ${ED25519} alice@example\nkey-2 namespaces="git" ${ED25519}\n`,
    );
    assert.deepEqual(
      [...principals],
      [
        ['key-1', 'a.pub (alice@example)'],
        ['key-2', 'c.pub'],
      ],
    );
  });
});

describe('sshKeysOf', () => {
  it('keeps only the key of an allowed_signers line, dropping principals and options such as cert-authority', () => {
    const { keys, rejected } = sshKeysOf(
      'allowed_signers',
      `# team\nbob@example.com,* cert-authority namespaces="file" ${ED25519} bob\n\n${ED25519}\n`,
    );
    assert.deepEqual(rejected, []);
    assert.deepEqual(
      keys.map((k) => k.text),
      [`${ED25519} bob`, ED25519],
    );
  });

  it('rejects lines without a key, and strips control characters from comments', () => {
    assert.deepEqual(sshKeysOf('x.pub', 'not a key\n').rejected, ['not a key']);
    assert.equal(sshKeysOf('x.pub', `${ED25519} a\u0007b`).keys[0]?.text, `${ED25519} ab`);
  });
});

describe('signatureFormatOf', () => {
  const commit = (sig: string): string =>
    `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\n${sig}\nmessage\n`;
  it('reads the gpgsig header of a commit', () => {
    assert.equal(
      signatureFormatOf(
        'commit',
        commit('gpgsig -----BEGIN PGP SIGNATURE-----\n ...\n -----END PGP SIGNATURE-----\n'),
      ),
      'openpgp',
    );
    assert.equal(signatureFormatOf('commit', commit('gpgsig -----BEGIN SSH SIGNATURE-----\n ...\n')), 'ssh');
    assert.equal(signatureFormatOf('commit', commit('gpgsig-sha256 -----BEGIN SSH SIGNATURE-----\n')), 'ssh');
    assert.equal(signatureFormatOf('commit', commit('')), undefined);
  });

  it('does not take a signature-looking commit message for a signature', () => {
    assert.equal(signatureFormatOf('commit', commit('\n-----BEGIN PGP SIGNATURE-----')), undefined);
  });

  it('reads the signature block of a tag', () => {
    const tag =
      'object abc\ntype commit\ntag v1\ntagger a <a@b> 1 +0000\n\nv1\n-----BEGIN SSH SIGNATURE-----\nx\n';
    assert.equal(signatureFormatOf('tag', tag), 'ssh');
    assert.equal(signatureFormatOf('tag', 'object abc\ntype commit\ntag v1\n\nv1\n'), undefined);
  });
});

describe('parseGpgStatus / parseGpgKeyList / parseSshResult', () => {
  it('takes the primary key fingerprint of a good signature', () => {
    const out = [
      '[GNUPG:] NEWSIG',
      '[GNUPG:] GOODSIG 8237BE8E7A8501EE Alice <alice@example.com>',
      '[GNUPG:] VALIDSIG 1111111111111111111111111111111111111111 2026-12-01 1796083493 0 4 0 22 8 00 A5288781F58733D51D291D298237BE8E7A8501EE',
    ].join('\n');
    assert.deepEqual(parseGpgStatus(out), {
      good: true,
      fingerprint: 'A5288781F58733D51D291D298237BE8E7A8501EE',
      reason: 'good signature',
    });
  });

  it('explains bad, unknown-key and missing signatures', () => {
    assert.match(parseGpgStatus('[GNUPG:] BADSIG 8237 Alice').reason, /does not match/);
    assert.match(
      parseGpgStatus('[GNUPG:] ERRSIG 8237BE8E7A8501EE 22 8 00 1 9 A528\n[GNUPG:] NO_PUBKEY 8237BE8E7A8501EE')
        .reason,
      /8237BE8E7A8501EE, which is not a trusted key/,
    );
    assert.equal(parseGpgStatus('').good, false);
    // A GOODSIG without VALIDSIG (e.g. a forged status line in a user id) is not enough.
    assert.equal(parseGpgStatus('[GNUPG:] GOODSIG 1 x').good, false);
  });

  it('lists primary fingerprints and user ids, not subkeys', () => {
    const listing = [
      'pub:-:255:22:8237BE8E7A8501EE:1796083493:::-:::scSC:::::ed25519:::0:',
      'fpr:::::::::A5288781F58733D51D291D298237BE8E7A8501EE:',
      'uid:-::::1796083493::AD66::Alice <alice@example.com>::::::::::0:',
      'sub:-:255:18:1111:1796083493::::::e:::::cv25519::',
      'fpr:::::::::2222222222222222222222222222222222222222:',
    ].join('\n');
    assert.deepEqual(parseGpgKeyList(listing), [
      { fingerprint: 'A5288781F58733D51D291D298237BE8E7A8501EE', userId: 'Alice <alice@example.com>' },
    ]);
  });

  it('reads ssh-keygen results', () => {
    assert.deepEqual(parseSshResult('Good "git" signature for key-2 with ED25519 key SHA256:48E5Vw+fD5/='), {
      good: true,
      principal: 'key-2',
      fingerprint: 'SHA256:48E5Vw+fD5/=',
      reason: 'good signature',
    });
    const unknown = parseSshResult('Good "git" signature with ED25519 key SHA256:abc\nNo principal matched.');
    assert.equal(unknown.good, false);
    assert.match(unknown.reason, /SSH key SHA256:abc, which is not a trusted key/);
  });
});

describe('trustedKeysOf', () => {
  it('reads *.asc as OpenPGP and *.pub / allowed_signers as SSH, ignoring other keys', () => {
    const keys = trustedKeysOf('Secret ns/keys', {
      'release.asc': b64('-----BEGIN PGP PUBLIC KEY BLOCK-----\n...\n'),
      'deploy.pub': b64(`${ED25519} deploy`),
      allowed_signers: b64(`ops ${ED25519} ops`),
      username: b64('not a key'),
    });
    assert.deepEqual(
      keys.map((k) => [k.source, k.format]),
      [
        ['allowed_signers', 'ssh'],
        ['deploy.pub', 'ssh'],
        ['release.asc', 'openpgp'],
      ],
    );
  });

  it('refuses a private key or garbage where a public key belongs', () => {
    for (const [name, text] of [
      ['a.asc', '-----BEGIN PGP PRIVATE KEY BLOCK-----'],
      ['b.pub', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ] as const)
      assert.throws(
        () => trustedKeysOf('Secret ns/keys', { [name]: b64(text) }),
        (error: unknown) =>
          error instanceof MooringError && error.code === 'UNVERIFIED_SOURCE' && error.message.includes(name),
      );
  });
});
