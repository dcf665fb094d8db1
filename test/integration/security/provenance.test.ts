/**
 * Signed commits and tags (spec.source.verify) end to end: real keys made by gpg and ssh-keygen, real
 * git verify-commit / verify-tag, the real controller against the local cluster. A revision that is
 * unsigned, or signed by a key the Secret does not hold, is refused and nothing of it is applied.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import type { Application } from '../../../src/controller/app-types.js';
import { MooringError } from '../../../src/core/errors.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { git } from '../../../src/devgit/git-cli.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import { fetchSource } from '../../../src/source/index.js';
import { mirrorPath } from '../../../src/source/mirror.js';
import type { VerifySpec } from '../../../src/source/index.js';
import { openpgpSigner, signedCommit, signedTag, sshSigner } from '../../helpers/signing.js';
import type { Signer } from '../../helpers/signing.js';
import {
  APP_PATH,
  configMap,
  configMapData,
  controllerHarness,
  readyAt,
  yamlStream,
} from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';

async function signer(t: TestContext, make: () => Promise<Signer>): Promise<Signer> {
  const made = await make();
  t.after(() => made.close());
  return made;
}

/** Creates the Secret of trusted keys the Application's verify.secretRef names. */
async function trustKeys(h: ControllerHarness, name: string, keys: Record<string, string>): Promise<void> {
  await h.observer.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: h.appNamespace },
    stringData: keys,
  });
}

/** Writes the app's ConfigMap and commits it, signed by `by` (or unsigned), then pushes main. */
async function publishSigned(h: ControllerHarness, version: string, by?: Signer): Promise<string> {
  await h.repo.writeFile(`${APP_PATH}/app.yaml`, yamlStream([configMap('signed', { version })]));
  const sha = await signedCommit(h.repo, `version ${version}`, by);
  await h.repo.push('main');
  return sha;
}

/** Waits until the app's status refuses `commit` and returns the summary that says so. */
async function refusedAt(h: ControllerHarness, name: string, commit: string): Promise<string> {
  const app = await h.waitForApp(name, `refuses ${commit.slice(0, 12)}`, (a: Application) =>
    (a.status?.summary ?? '').includes(`commit ${commit.slice(0, 12)}`),
  );
  return app.status?.summary ?? '';
}

describe('security: signed commits (spec.source.verify)', () => {
  it('applies commits signed by the trusted OpenPGP key and refuses unsigned and foreign-signed ones', async (t) => {
    const trusted = await signer(t, () => openpgpSigner('Release Bot <release@example.com>'));
    const stranger = await signer(t, () => openpgpSigner('Mallory <mallory@example.com>'));
    const h = await controllerHarness(t);
    await trustKeys(h, 'release-keys', { 'release.asc': trusted.publicKey });
    const good = await publishSigned(h, '1', trusted);
    const name = h.uniqueName('pgp');
    await h.createApp(name, {
      source: {
        repoURL: h.repoURL,
        ref: { branch: 'main' },
        path: APP_PATH,
        verify: { secretRef: { name: 'release-keys' } },
      },
    });
    const ready = await h.waitForApp(name, 'Ready at the signed commit', readyAt(good));
    assert.deepEqual(await configMapData(h, 'signed'), { version: '1' });
    assert.match(
      ready.status?.source?.signedBy?.[0] ?? '',
      new RegExp(`commit ${good}: openpgp ${trusted.fingerprint}`),
    );

    const unsigned = await publishSigned(h, '2');
    const refusal = await refusedAt(h, name, unsigned);
    assert.match(refusal, /is not signed/);
    assert.match(refusal, new RegExp(trusted.fingerprint), 'the refusal names the expected key');
    assert.deepEqual(
      await configMapData(h, 'signed'),
      { version: '1' },
      'nothing of the unsigned commit applied',
    );

    const forged = await publishSigned(h, '3', stranger);
    const refusal2 = await refusedAt(h, name, forged);
    assert.match(refusal2, /not a trusted key/);
    assert.match(
      refusal2,
      new RegExp(stranger.fingerprint.slice(-16)),
      'the refusal names the key that signed',
    );
    assert.deepEqual(
      await configMapData(h, 'signed'),
      { version: '1' },
      'nothing of the foreign-signed commit applied',
    );
    const app = await h.getApp(name);
    assert.equal(app.status?.sync?.revision, good, 'the synced revision stays the verified one');
    // A Warning event names the refused commit.
    await h.waitForEvent(name, 'SourceFailed', (m) => m.includes(forged.slice(0, 12)));

    const fixed = await publishSigned(h, '4', trusted);
    await h.waitForApp(name, 'Ready at the next signed commit', readyAt(fixed));
    assert.deepEqual(await configMapData(h, 'signed'), { version: '4' });
  });

  it("a Project's sourceVerification binds every app of the Project: apps cannot drop it or name other keys", async (t) => {
    const trusted = await signer(t, () => openpgpSigner('Platform Bot <platform@example.com>'));
    const stranger = await signer(t, () => openpgpSigner('Team Member <member@example.com>'));
    const h = await controllerHarness(t);
    await trustKeys(h, 'platform-keys', { 'platform.asc': trusted.publicKey });
    await trustKeys(h, 'team-keys', { 'team.asc': stranger.publicKey });
    await h.observer.mergePatch(
      'mooring.dev/v1alpha1',
      { group: 'mooring.dev', kind: 'Project', namespace: h.appNamespace, name: 'default' },
      { spec: { sourceVerification: { secretRef: { name: 'platform-keys' } } } },
    );
    const unsigned = await publishSigned(h, '1');
    const plain = h.uniqueName('plain');
    await h.createApp(plain, { source: { repoURL: h.repoURL, ref: { branch: 'main' }, path: APP_PATH } });
    const refusal = await refusedAt(h, plain, unsigned);
    assert.match(refusal, /is not signed/);
    assert.match(refusal, new RegExp(trusted.fingerprint), "the refusal names the Project's key");
    assert.equal(await configMapData(h, 'signed'), undefined, 'nothing applied without a signature');

    const good = await publishSigned(h, '2', trusted);
    await h.waitForApp(plain, 'Ready at the commit signed by the Project key', readyAt(good));
    assert.deepEqual(await configMapData(h, 'signed'), { version: '2' });

    // An app naming its own keys does not widen the Project's: the team key is still not trusted.
    const own = h.uniqueName('own');
    await h.createApp(own, {
      source: {
        repoURL: h.repoURL,
        ref: { branch: 'main' },
        path: APP_PATH,
        verify: { secretRef: { name: 'team-keys' } },
      },
    });
    const teamSigned = await publishSigned(h, '3', stranger);
    assert.match(await refusedAt(h, own, teamSigned), /not a trusted key/);
    assert.match(await refusedAt(h, plain, teamSigned), /not a trusted key/);
    assert.deepEqual(
      await configMapData(h, 'signed'),
      { version: '2' },
      'the team-signed commit was not applied',
    );
  });

  it('applies commits signed by a trusted SSH key and refuses another SSH key', async (t) => {
    const trusted = await signer(t, () => sshSigner('deploy@example'));
    const stranger = await signer(t, () => sshSigner('intruder@example'));
    const h = await controllerHarness(t);
    const good = await publishSigned(h, '1', trusted);
    const name = h.uniqueName('ssh');
    await h.createApp(name, {
      source: {
        repoURL: h.repoURL,
        ref: { branch: 'main' },
        path: APP_PATH,
        verify: { mode: 'head', secretRef: { name: 'ssh-keys' } },
      },
    });
    // Without its key Secret nothing can be verified, so nothing is applied.
    const waiting = await h.waitForApp(name, 'says the key Secret is missing', (a) =>
      (a.status?.summary ?? '').includes('ssh-keys named by spec.source.verify.secretRef does not exist'),
    );
    assert.equal(waiting.status?.sync?.revision, undefined);
    assert.equal(await configMapData(h, 'signed'), undefined, 'nothing applied without keys');
    await trustKeys(h, 'ssh-keys', { 'deploy.pub': trusted.publicKey });
    const ready = await h.waitForApp(name, 'Ready at the SSH-signed commit', readyAt(good));
    assert.match(
      ready.status?.source?.signedBy?.[0] ?? '',
      new RegExp(`ssh ${trusted.fingerprint.replace(/\+/g, '\\+')}`),
    );

    const forged = await publishSigned(h, '2', stranger);
    const refusal = await refusedAt(h, name, forged);
    assert.match(refusal, /not a trusted key/);
    assert.ok(refusal.includes(stranger.fingerprint), 'the refusal names the SSH key that signed');
    assert.match(refusal, /deploy\.pub \(deploy@example\)/, 'and the key that was expected');
    assert.deepEqual(await configMapData(h, 'signed'), { version: '1' });
  });

  it('tag mode: applies a tag signed by a trusted key and refuses an unsigned tag', async (t) => {
    const trusted = await signer(t, () => openpgpSigner('Tagger <tags@example.com>'));
    const h = await controllerHarness(t);
    await trustKeys(h, 'tag-keys', { 'tags.asc': trusted.publicKey });
    // The commits are unsigned: tag mode checks only the tag.
    const first = await publishSigned(h, '1');
    await signedTag(h.repo, 'v1.0.0', trusted);
    await h.repo.push('main');
    const name = h.uniqueName('tag');
    await h.createApp(name, {
      source: {
        repoURL: h.repoURL,
        ref: { semver: '^1.0.0' },
        path: APP_PATH,
        verify: { mode: 'tag', secretRef: { name: 'tag-keys' } },
      },
    });
    const ready = await h.waitForApp(name, 'Ready at the signed tag', readyAt(first));
    assert.match(ready.status?.source?.signedBy?.[0] ?? '', /^tag v1\.0\.0: openpgp /);

    const second = await publishSigned(h, '2');
    await signedTag(h.repo, 'v1.1.0');
    await h.repo.push('main');
    const app = await h.waitForApp(name, 'refuses the unsigned tag', (a) =>
      (a.status?.summary ?? '').includes('tag v1.1.0'),
    );
    assert.match(app.status?.summary ?? '', /tag v1\.1\.0 of .* is not signed/);
    assert.ok((app.status?.summary ?? '').includes(second.slice(0, 12)), 'the refusal names the commit');
    assert.deepEqual(await configMapData(h, 'signed'), { version: '1' });
  });
});

describe('security: fetchSource verification', () => {
  it('refuses before exporting anything, and tagAndHead needs both signatures', async (t) => {
    const trusted = await signer(t, () => openpgpSigner('Both <both@example.com>'));
    const root = await mkdtemp(join(tmpdir(), 'mooring-verify-source-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const repo = await WorkingRepo.create(join(root, 'git'), 'r');
    await repo.writeFile('app/cm.yaml', 'kind: ConfigMap\n');
    await signedCommit(repo, 'unsigned head');
    await signedTag(repo, 'v1.0.0', trusted);
    await repo.push('main');
    const cacheDir = join(root, 'cache');
    const verify: VerifySpec = {
      mode: 'tagAndHead',
      keys: [{ source: 'both.asc', format: 'openpgp', text: trusted.publicKey }],
      origin: 'test keys',
    };
    await assert.rejects(
      fetchSource({ repoURL: repo.fileUrl, ref: { tag: 'v1.0.0' }, path: 'app', verify }, cacheDir),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'UNVERIFIED_SOURCE' &&
        /commit [0-9a-f]{12} .*is not signed/.test(error.message),
    );
    const exports = await readdir(join(cacheDir, 'exports')).catch(() => []);
    assert.deepEqual(exports, [], 'nothing was exported');

    const fetched = await fetchSource(
      { repoURL: repo.fileUrl, ref: { tag: 'v1.0.0' }, path: 'app', verify: { ...verify, mode: 'tag' } },
      cacheDir,
    );
    const [signature] = fetched.signatures ?? [];
    assert.ok(signature !== undefined, 'the signature is reported');
    assert.equal(signature.object, 'tag');
    assert.ok(signature.signer.startsWith(trusted.fingerprint));

    await signedCommit(repo, 'signed head', trusted);
    await signedTag(repo, 'v1.0.1', trusted);
    await repo.push('main');
    const both = await fetchSource(
      { repoURL: repo.fileUrl, ref: { tag: 'v1.0.1' }, path: 'app', verify },
      cacheDir,
    );
    assert.deepEqual(
      both.signatures?.map((s) => s.object),
      ['tag', 'commit'],
    );
    // A verdict is remembered only for the same objects and the same keys.
    const other = await signer(t, () => sshSigner('other@example'));
    await assert.rejects(
      fetchSource(
        {
          repoURL: repo.fileUrl,
          ref: { tag: 'v1.0.1' },
          path: 'app',
          verify: { ...verify, keys: [{ source: 'other.pub', format: 'ssh', text: other.publicKey }] },
        },
        cacheDir,
      ),
      /not a trusted key/,
    );
  });

  it('refuses a lightweight tag in tag mode, and ignores a gpg program set in the mirror config', async (t) => {
    const trusted = await signer(t, () => openpgpSigner('Trusted <trusted@example.com>'));
    const stranger = await signer(t, () => openpgpSigner('Stranger <stranger@example.com>'));
    const root = await mkdtemp(join(tmpdir(), 'mooring-verify-source-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const repo = await WorkingRepo.create(join(root, 'git'), 'r');
    await repo.writeFile('app/cm.yaml', 'kind: ConfigMap\n');
    await signedCommit(repo, 'signed by a stranger', stranger);
    await git(repo.dir, ['tag', 'light']);
    await repo.push('main');
    const cacheDir = join(root, 'cache');
    const keys = [{ source: 'trusted.asc', format: 'openpgp' as const, text: trusted.publicKey }];
    const origin = 'test keys';
    await assert.rejects(
      fetchSource(
        { repoURL: repo.fileUrl, ref: { tag: 'light' }, path: 'app', verify: { mode: 'tag', keys, origin } },
        cacheDir,
      ),
      /tag light of .* is a lightweight tag/,
    );

    // A mirror whose config was tampered with names a "gpg" that says every signature is good.
    const marker = join(root, 'fake-gpg-ran');
    const fakeGpg = join(root, 'fake-gpg');
    await writeFile(
      fakeGpg,
      `#!/bin/sh\ntouch '${marker}'\necho '[GNUPG:] GOODSIG 0 x' >&2\necho '[GNUPG:] VALIDSIG ${trusted.fingerprint} 2026-01-01 0 0 4 0 22 8 00 ${trusted.fingerprint}' >&2\nexit 0\n`,
      { mode: 0o755 },
    );
    const mirror = mirrorPath(cacheDir, repo.fileUrl);
    await git(mirror, ['config', 'gpg.program', fakeGpg]);
    await git(mirror, ['config', 'gpg.openpgp.program', fakeGpg]);
    await assert.rejects(
      fetchSource(
        {
          repoURL: repo.fileUrl,
          ref: { branch: 'main' },
          path: 'app',
          verify: { mode: 'head', keys, origin },
        },
        cacheDir,
      ),
      /is refused: it was signed by key [0-9A-F]{16}, which is not a trusted key/,
    );
    await assert.rejects(readFile(marker), 'the gpg program of the mirror config never ran');
  });
});

/** Runs the built `mooring` CLI; resolves with its exit code and output whatever the code. */
function mooring(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
        stdout,
        stderr,
      });
    });
  });
}

describe('security: push mode --verify-keys', () => {
  it('renders a revision signed by a key in the folder and refuses an unsigned one', async (t) => {
    const trusted = await signer(t, () => sshSigner('ci@example'));
    const root = await mkdtemp(join(tmpdir(), 'mooring-verify-cli-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const keys = join(root, 'keys');
    await mkdir(keys);
    await writeFile(join(keys, 'ci.pub'), `${trusted.publicKey}\n`);
    const repo = await WorkingRepo.create(join(root, 'git'), 'r');
    await repo.writeFile('app/cm.yaml', yamlStream([configMap('cli-signed', { v: '1' })]));
    const unsigned = await signedCommit(repo, 'unsigned');
    await repo.push('main');
    const source = `${repo.fileUrl}@main//app`;

    const refused = await mooring(['render', source, '--verify-keys', keys]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`commit ${unsigned.slice(0, 12)} of .* is not signed`));
    assert.ok(refused.stderr.includes('ci.pub (ci@example)'), refused.stderr);
    assert.equal(refused.stdout, '', 'nothing rendered');

    await signedCommit(repo, 'signed', trusted);
    await repo.push('main');
    const rendered = await mooring(['render', source, '--verify-keys', keys, '--verify-mode', 'head']);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(rendered.stdout, /cli-signed/);
    assert.ok(rendered.stderr.includes(`is signed by ssh ${trusted.fingerprint}`), rendered.stderr);

    const local = await mooring(['render', repo.dir, '--verify-keys', keys]);
    assert.notEqual(local.code, 0);
    assert.match(local.stderr, /--verify-keys needs a repository source/);
  });
});
