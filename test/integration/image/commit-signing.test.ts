/**
 * Signed image automation commits, with the real gpg and git: the pushed commit verifies with `git
 * verify-commit` against the public key alone (with and without a passphrase), and a key that cannot sign
 * (wrong passphrase, not a key, only a public key) fails clearly and pushes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { git } from '../../../src/devgit/git-cli.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import type { CommitSigningKey } from '../../../src/source/commit-signing.js';
import { commitImageEdits } from '../../../src/source/image-commit.js';
import type { ImageCommitRequest, RepoFile } from '../../../src/source/image-commit.js';
import { openpgpSecretKey, verifyCommitWith } from '../../helpers/signing.js';
import type { SecretSigningKey } from '../../helpers/signing.js';

const PASSPHRASE = 'correct horse battery staple';

function bumpTo(tag: string): ImageCommitRequest['edit'] {
  return (files: readonly RepoFile[]) => ({
    files: files.map((f) => ({ path: f.path, content: f.content.replace(/web:[\w.]+/, `web:${tag}`) })),
    message: `Update images\n\nweb -> ${tag}\n`,
  });
}

describe('signed image automation commits', () => {
  let root: string;
  let repo: WorkingRepo;
  let plain: SecretSigningKey;
  let protectedKey: SecretSigningKey;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mooring-image-sign-'));
    repo = await WorkingRepo.create(root, 'config');
    await repo.writeFile('apps/web/deployment.yaml', 'image: registry.local/web:1.0.0\n');
    await repo.commit('add web');
    await repo.push('main');
    [plain, protectedKey] = await Promise.all([
      openpgpSecretKey('Image Bot <bot@example.test>'),
      openpgpSecretKey('Image Bot Protected <bot2@example.test>', PASSPHRASE),
    ]);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const head = (): Promise<string> => git(repo.bareDir, ['rev-parse', 'main']);
  const request = (tag: string, signingKey: CommitSigningKey): ImageCommitRequest => ({
    repoURL: repo.fileUrl,
    branch: 'main',
    paths: ['apps/web'],
    author: { name: 'Image Bot', email: 'bot@example.test' },
    signingKey,
    edit: bumpTo(tag),
  });
  const keyOf = (key: SecretSigningKey, passphrase?: { given: string | undefined }): CommitSigningKey => ({
    armoredKey: key.secretKey,
    passphrase: passphrase === undefined ? key.passphrase : passphrase.given,
    origin: 'Secret apps/signing',
  });

  it('pushes a commit that git verify-commit accepts with the public key alone', async () => {
    const result = await commitImageEdits(request('1.1.0', keyOf(plain)));
    assert.ok(result.kind === 'pushed');
    assert.equal(await head(), result.commit);
    const status = await verifyCommitWith(repo.bareDir, result.commit, plain.publicKey);
    assert.match(status, new RegExp(`\\[GNUPG:\\] VALIDSIG ${plain.fingerprint} `));
    // The signature is a header: tree, parent, author and message are what the unsigned commit had.
    assert.equal(
      await git(repo.bareDir, ['log', '-1', '--format=%an <%ae>|%s|%b', 'main']),
      'Image Bot <bot@example.test>|Update images|web -> 1.1.0',
    );
    assert.equal(
      await git(repo.bareDir, ['show', 'main:apps/web/deployment.yaml']),
      'image: registry.local/web:1.1.0',
    );
    await assert.rejects(
      verifyCommitWith(repo.bareDir, result.commit, protectedKey.publicKey),
      /verify-commit/,
      'another key does not verify it',
    );
  });

  it('signs with a passphrase-protected key, the passphrase given on a pipe', async () => {
    const result = await commitImageEdits(request('1.2.0', keyOf(protectedKey)));
    assert.ok(result.kind === 'pushed');
    const status = await verifyCommitWith(repo.bareDir, result.commit, protectedKey.publicKey);
    assert.match(status, new RegExp(`VALIDSIG ${protectedKey.fingerprint} `));
  });

  const refusesAndPushesNothing = async (key: CommitSigningKey, why: RegExp): Promise<void> => {
    const before = await head();
    const error = await commitImageEdits(request('9.9.9', key)).then(
      (r) => assert.fail(`expected a signing failure, got ${JSON.stringify(r)}`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MooringError);
    assert.equal(error.code, 'SOURCE_FAILED');
    assert.match(error.message, /the commit signing key in Secret apps\/signing /);
    assert.match(error.message, why);
    assert.ok(!error.message.includes(PASSPHRASE) && !error.message.includes('wrong passphrase'));
    assert.ok(!error.message.includes('PRIVATE KEY BLOCK'));
    assert.equal(await head(), before, 'nothing pushed');
  };

  it('fails clearly on a wrong passphrase and pushes nothing', async () => {
    await refusesAndPushesNothing(
      keyOf(protectedKey, { given: 'wrong passphrase' }),
      /could not sign \(is the passphrase right\?\)/,
    );
  });

  it('fails clearly on a protected key without its passphrase and pushes nothing', async () => {
    await refusesAndPushesNothing(keyOf(protectedKey, { given: undefined }), /could not sign/);
  });

  it('fails clearly when git.asc is not a key, or only a public key, and pushes nothing', async () => {
    await refusesAndPushesNothing(
      { armoredKey: 'not a key', origin: 'Secret apps/signing' },
      /is not a readable OpenPGP secret key/,
    );
    await refusesAndPushesNothing(
      { armoredKey: plain.publicKey, origin: 'Secret apps/signing' },
      /holds no OpenPGP secret key that can sign/,
    );
  });
});
