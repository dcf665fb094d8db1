/**
 * Signed image automation commits on the local cluster: spec.git.signingKey names a Secret; without it the
 * run fails clearly (Ready False) and pushes nothing; once the Secret holds the key and its passphrase, the
 * pushed commit verifies with `git verify-commit` against the public key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { git } from '../../../src/devgit/git-cli.js';
import { openpgpSecretKey, verifyCommitWith } from '../../helpers/signing.js';
import { startAutomationFixture } from './automation-fixture.js';

const PASSPHRASE = 'signing-test-passphrase';

describe('signed image automation', () => {
  it('pushes nothing without the signing Secret, then pushes a commit that verifies', async (t) => {
    const f = await startAutomationFixture(t, '1.0.0');
    const { h } = f;
    const key = await openpgpSecretKey('Image Bot <image-bot@example.test>', PASSPHRASE);
    await f.registry.pushImage('team/web', '1.0.0');
    await f.registry.pushImage('team/web', '1.1.0');
    const before = await git(h.repo.bareDir, ['rev-parse', 'main']);
    await f.createAutomation('web', {
      git: {
        author: { name: 'Image Bot', email: 'image-bot@example.test' },
        messageTemplate: 'Update images\n\n{{images}}',
        trailer: '',
        signingKey: { secretRef: { name: 'signing' } },
      },
    });
    const failed = await h.waitFor(
      'a run refused for the missing signing key',
      async () => f.runs.find((run) => run.kind === 'failed'),
      60_000,
    );
    assert.match(
      failed.message,
      new RegExp(
        `the commit signing key \\(Secret ${h.appNamespace}/signing, key git\\.asc\\) does not exist`,
      ),
    );
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'main']), before, 'nothing pushed');
    const status = (await f.automation('web'))?.status as
      { conditions?: { type: string; status: string; message: string }[] } | undefined;
    const ready = status?.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, (ready?.message ?? '').includes('signing key')], ['False', true]);
    assert.equal(
      f.runs.some((run) => run.kind === 'pushed'),
      false,
    );

    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'signing', namespace: h.appNamespace },
      stringData: { 'git.asc': key.secretKey, passphrase: PASSPHRASE },
    });
    const pushed = await h.waitFor(
      'a signed commit pushed',
      async () => f.runs.find((run) => run.kind === 'pushed'),
      60_000,
    );
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'main']), pushed.commit);
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'main^']), before);
    const verified = await verifyCommitWith(h.repo.bareDir, pushed.commit, key.publicKey);
    assert.match(verified, new RegExp(`VALIDSIG ${key.fingerprint} `));
    assert.ok(
      f.logger.all.every((line) => !line.includes(PASSPHRASE)),
      'the passphrase is never logged',
    );
  });
});
