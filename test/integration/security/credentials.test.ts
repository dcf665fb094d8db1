/**
 * Where repository credentials go, proven with capture servers on loopback that record every
 * Authorization header, against the real controller and cluster: a credential reaches only the server
 * its Secret is bound to; never an unlisted URL, plain http without insecureAllowHTTP, another host
 * after a redirect, or anyone from an unlabelled Secret; retries stay on the same server; no secret
 * value in status, events or logs. Also: file:// repositories need --allow-file-repos, a tree over the
 * size limits is refused naming the file, and exports are removed after use.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { inspect } from 'node:util';

import type { Application } from '../../../src/controller/app-types.js';
import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import { withCredentials } from '../../../src/source/credentials.js';
import { runGit } from '../../../src/source/git-run.js';
import { fetchSource } from '../../../src/source/index.js';
import { condition, configMap, controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';
import { startCaptureServer } from './capture-server.js';

const USER = 'robot';
const PASSWORDS = {
  good: 'pw-good-3f9a1c',
  plain: 'pw-plain-77b2e0',
  redirect: 'pw-redirect-c41d9e',
  serviceAccount: 'sa-token-0d8e2b',
  retry: 'pw-retry-a6f310',
};

function credentialSecret(
  h: ControllerHarness,
  name: string,
  data: Record<string, string>,
  labelled = true,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: h.appNamespace,
      ...(labelled ? { labels: { 'mooring.dev/credential-type': 'repository' } } : {}),
    },
    stringData: data,
  };
}

const summaryOf = (app: Application): string => app.status?.summary ?? '';

/** Fails if any secret value appears in the Application statuses, their events or the controller log. */
async function assertNoSecretEchoed(h: ControllerHarness, apps: string[]): Promise<void> {
  const seen: string[] = [h.logger.lines.join('\n')];
  for (const name of apps) {
    seen.push(JSON.stringify((await h.getApp(name)).status ?? {}));
    seen.push(JSON.stringify(await h.events(name)));
    seen.push(JSON.stringify(await h.syncRecords(name)));
  }
  const text = seen.join('\n');
  for (const password of Object.values(PASSWORDS))
    assert.ok(!text.includes(password), `${password} appears in status, events, records or logs`);
}

describe('repository credentials: where they are sent', () => {
  it('reaches the server its Secret is bound to, and nothing else', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({ 'objects.yaml': [configMap('creds-ok', { v: '1' })] });
    const good = await startCaptureServer(t, {
      kind: 'private',
      password: PASSWORDS.good,
      upstream: h.git.baseUrl,
    });
    const unlisted = await startCaptureServer(t, { kind: 'failing' });
    const plain = await startCaptureServer(t, { kind: 'failing' });
    const elsewhere = await startCaptureServer(t, { kind: 'failing' }, '127.0.0.2');
    const redirecting = await startCaptureServer(t, { kind: 'redirect', location: elsewhere.baseUrl });
    const create = (secret: KubeObject) => h.observer.create(secret);
    await create(
      credentialSecret(h, 'good-creds', {
        url: good.baseUrl,
        insecureAllowHTTP: 'true',
        username: USER,
        password: PASSWORDS.good,
      }),
    );
    await create(
      credentialSecret(h, 'plain-creds', { url: plain.baseUrl, username: USER, password: PASSWORDS.plain }),
    );
    await create(
      credentialSecret(h, 'redirect-creds', {
        url: redirecting.baseUrl,
        insecureAllowHTTP: 'true',
        username: USER,
        password: PASSWORDS.redirect,
      }),
    );
    // Like a service-account token Secret: right keys, right URL, but not labelled as a repository credential.
    await create(
      credentialSecret(
        h,
        'default-token',
        { url: good.baseUrl, insecureAllowHTTP: 'true', token: PASSWORDS.serviceAccount },
        false,
      ),
    );
    const app = (name: string, repoURL: string, secretRef?: string) =>
      h.createApp(name, {
        source: {
          repoURL,
          ref: { branch: 'main' },
          path: 'app',
          ...(secretRef === undefined ? {} : { secretRef: { name: secretRef } }),
        },
      });
    await app('template', `${good.baseUrl}/app.git`);
    await app('unlisted', `${unlisted.baseUrl}/app.git`);
    await app('named-elsewhere', `${unlisted.baseUrl}/app.git`, 'good-creds');
    await app('plain', `${plain.baseUrl}/app.git`);
    await app('unlabelled', `${good.baseUrl}/app.git`, 'default-token');
    await app('redirect', `${redirecting.baseUrl}/app.git`);

    await h.waitForApp('template', 'Ready through the template credential', readyAt(sha), 30_000);
    assert.ok(await h.get('v1', 'ConfigMap', 'creds-ok'), 'the private repository was synced');
    assert.ok(
      good.authorised().every((r) => r.authorization === `Basic ${USER}:${PASSWORDS.good}`),
      'the bound server got its own credential and no other',
    );
    assert.ok(good.authorised().length > 0, 'the bound server got the credential');

    const refused = async (name: string, pattern: RegExp) => {
      const failed = await h.waitForApp(name, `refused: ${String(pattern)}`, (a) =>
        pattern.test(summaryOf(a)),
      );
      assert.equal(condition(failed, 'Synced')?.status, 'False');
      return failed;
    };
    await refused('unlisted', /authentication failed/);
    assert.ok(unlisted.requests.length > 0, 'the unlisted server was asked (anonymously)');
    await refused(
      'named-elsewhere',
      new RegExp(
        `Application ${h.appNamespace}/named-elsewhere: secret ${h.appNamespace}/good-creds is bound to ${good.baseUrl}, which does not cover ${unlisted.baseUrl}/app\\.git`,
      ),
    );
    assert.deepEqual(unlisted.authorised(), [], 'no credential ever reached the unlisted server');

    await refused('plain', /plain-creds would be sent in clear text over http:\/\/.*insecureAllowHTTP/);
    assert.deepEqual(plain.authorised(), [], 'nothing went over plain http');

    await refused(
      'unlabelled',
      /default-token is not a repository credential \(label mooring\.dev\/credential-type/,
    );
    assert.ok(
      good.requests.every((r) => !(r.authorization ?? '').includes(PASSWORDS.serviceAccount)),
      'the unlabelled token was never sent',
    );

    await refused('redirect', /cannot fetch http:\/\/127\.0\.0\.1:\d+\/app\.git/);
    assert.ok(redirecting.requests.length > 0, 'the redirecting server was asked');
    assert.deepEqual(elsewhere.requests, [], 'git did not follow the redirect to another host');
    assert.deepEqual(redirecting.authorised(), [], 'the redirecting server never got past its redirect');

    await assertNoSecretEchoed(h, [
      'template',
      'unlisted',
      'named-elsewhere',
      'plain',
      'unlabelled',
      'redirect',
    ]);
  });

  it('retries of a failing fetch send the credential to the same server only', async (t) => {
    const h = await controllerHarness(t);
    const failing = await startCaptureServer(t, { kind: 'failing' });
    const bystander = await startCaptureServer(t, { kind: 'failing' });
    await h.observer.create(
      credentialSecret(h, 'retry-creds', {
        url: failing.baseUrl,
        insecureAllowHTTP: 'true',
        username: USER,
        password: PASSWORDS.retry,
      }),
    );
    await h.createApp('retrying', {
      source: { repoURL: `${failing.baseUrl}/app.git`, ref: { branch: 'main' }, path: 'app' },
      syncPolicy: { retry: { limit: 20, backoff: { duration: '1s', factor: 1 } } },
    });
    await h.createApp('bystander', {
      source: { repoURL: `${bystander.baseUrl}/app.git`, ref: { branch: 'main' }, path: 'app' },
    });
    // Three authenticated attempts prove the controller retried (with backoff) more than once.
    await h.waitFor(
      'three authenticated attempts',
      () => Promise.resolve(failing.authorised().length >= 3 ? true : undefined),
      30_000,
    );
    assert.ok(failing.authorised().every((r) => r.authorization === `Basic ${USER}:${PASSWORDS.retry}`));
    assert.ok(bystander.requests.length > 0, 'the other app fetched meanwhile');
    assert.deepEqual(bystander.authorised(), [], 'no retry sent the credential to the other server');
    await assertNoSecretEchoed(h, ['retrying', 'bystander']);
  });
});

describe('redirects: the capture server would see a leak', () => {
  it("git following a redirect would hand the credential to the other host; Mooring's calls do not follow", async (t) => {
    const elsewhere = await startCaptureServer(t, { kind: 'failing' }, '127.0.0.2');
    const redirecting = await startCaptureServer(t, { kind: 'redirect', location: elsewhere.baseUrl });
    const url = `${redirecting.baseUrl}/app.git`;
    const credentials = { kind: 'basic', username: USER, password: PASSWORDS.redirect } as const;
    const lsRemote = (extra: Record<string, string>) =>
      withCredentials(
        credentials,
        (auth) => runGit(['ls-remote', '--', url], { env: { ...auth.env, ...extra } }).catch(() => ''),
        url,
      );
    // Control: with redirects followed and the askpass host check off, the other host gets the password.
    await lsRemote({ GIT_CONFIG_VALUE_0: 'true', MOORING_GIT_HOST: '' });
    assert.ok(
      elsewhere.authorised().some((r) => r.authorization === `Basic ${USER}:${PASSWORDS.redirect}`),
      'the capture server sees a credential that follows a redirect',
    );
    const before = elsewhere.requests.length;
    // Redirects followed but the askpass bound to the repository's server: still nothing for the other host.
    await lsRemote({ GIT_CONFIG_VALUE_0: 'true' });
    assert.ok(elsewhere.requests.length > before, 'the redirect was followed this time');
    assert.ok(elsewhere.requests.slice(before).every((r) => r.authorization === undefined));
    // As Mooring runs it: the redirect is not followed at all.
    const beforeDefault = elsewhere.requests.length;
    await lsRemote({});
    assert.equal(elsewhere.requests.length, beforeDefault);
  });
});

describe('file:// repositories in the controller', () => {
  const fileApp = async (h: ControllerHarness, name: string) => {
    // A folder of its own, so no other app of the test manages these objects.
    const sha = await h.publish({ [`${name}.yaml`]: [configMap(name, { v: '1' })] }, 'disk');
    await h.createApp(name, { source: { repoURL: h.repo.fileUrl, ref: { branch: 'main' }, path: 'disk' } });
    return sha;
  };

  it('are refused without --allow-file-repos, naming the flag', async (t) => {
    const h = await controllerHarness(t, { allowFileRepos: false });
    await h.publish({ 'over-http.yaml': [configMap('over-http', { v: '1' })] });
    const sha = await fileApp(h, 'from-disk');
    await h.createApp('over-http');
    const refused = await h.waitForApp('from-disk', 'refused', (a) =>
      summaryOf(a).includes('--allow-file-repos'),
    );
    assert.match(
      summaryOf(refused),
      new RegExp(
        `Application ${h.appNamespace}/from-disk: file:// repository file://.* refused: the controller reads local repositories only when started with --allow-file-repos`,
      ),
    );
    // The same controller syncs an http repository: it is alive, and the refusal is the rule, not an outage.
    await h.waitForApp('over-http', 'Ready over http', readyAt(sha));
    assert.equal(await h.get('v1', 'ConfigMap', 'from-disk'), undefined, 'nothing from disk was applied');
  });

  it('are synced with --allow-file-repos', async (t) => {
    const h = await controllerHarness(t);
    const sha = await fileApp(h, 'from-disk');
    await h.waitForApp('from-disk', 'Ready from file://', readyAt(sha));
    assert.ok(await h.get('v1', 'ConfigMap', 'from-disk'));
  });
});

describe('source size limits and exports', () => {
  async function bigFileRepo(t: TestContext, bytes: number): Promise<{ repo: WorkingRepo; root: string }> {
    const root = await mkdtemp(join(tmpdir(), 'mooring-limits-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const repo = await WorkingRepo.create(join(root, 'git'), 'big');
    await repo.writeFile('app/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: small}\n');
    await repo.writeFile('blobs/huge.bin', '');
    // Sparse: 200 MB on paper, nothing on disk; git compresses the zeros to almost nothing.
    await truncate(join(repo.dir, 'blobs', 'huge.bin'), bytes);
    await repo.commit('a huge file');
    await repo.push('main');
    return { repo, root };
  }

  it('a 200 MB file is refused with the default limits, naming the file, before anything is exported', async (t) => {
    const { repo, root } = await bigFileRepo(t, 200 * 1024 * 1024);
    const cacheDir = join(root, 'cache');
    const error = await fetchSource(
      { repoURL: repo.fileUrl, ref: { branch: 'main' }, path: 'app' },
      cacheDir,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof MooringError, inspect(error));
    assert.equal(error.code, 'SOURCE_FAILED');
    assert.equal(error.subject, 'blobs/huge.bin');
    assert.match(
      error.message,
      /file blobs\/huge\.bin is 200\.0 MiB, over the limit of 64\.0 MiB for one file/,
    );
    await assert.rejects(readdir(join(cacheDir, 'exports')), { code: 'ENOENT' });
  });

  it('a mirror over its size limit is removed, with a clear error', async (t) => {
    const { repo, root } = await bigFileRepo(t, 4 * 1024 * 1024);
    // Random bytes do not compress: the mirror's pack really holds them.
    await repo.writeFile('blobs/random.bin', randomBytes(3 * 1024 * 1024).toString('base64'));
    await repo.commit('incompressible');
    await repo.push('main');
    const cacheDir = join(root, 'cache');
    const spec = { repoURL: repo.fileUrl, ref: { branch: 'main' }, path: 'app' };
    await assert.rejects(
      fetchSource(spec, cacheDir, { limits: { maxMirrorBytes: 1024 * 1024 } }),
      (error: unknown) =>
        error instanceof MooringError &&
        /the repository takes [\d.]+ MiB in the mirror cache, over the limit of 1\.0 MiB; the mirror was removed/.test(
          error.message,
        ) &&
        (error.hint ?? '').includes('--max-mirror-size'),
    );
    assert.deepEqual(await readdir(join(cacheDir, 'mirrors')), [], 'the mirror is gone');
    const fetched = await fetchSource(spec, cacheDir);
    assert.ok(fetched.commit.sha.length === 40, 'within the default limit the same repository is fetched');
    await fetched.release();
  });

  it('the controller reports the limit with the file, and removes every export after its syncs', async (t) => {
    const h = await controllerHarness(t, { sourceLimits: { maxFileBytes: 1024 * 1024 } });
    const small = await h.publish({ 'small.yaml': [configMap('small', { v: '1' })] });
    await h.createApp('small');
    await h.waitForApp('small', 'Ready', readyAt(small));
    await h.repo.writeFile('data/big.bin', '');
    await truncate(join(h.repo.dir, 'data', 'big.bin'), 2 * 1024 * 1024);
    await h.repo.commit('a 2 MiB file');
    await h.repo.push('main');
    const limited = await h.waitForApp('small', 'refused by the size limit', (a) =>
      summaryOf(a).includes('file data/big.bin is 2.0 MiB, over the limit of 1.0 MiB'),
    );
    assert.match(summaryOf(limited), /--max-source-file-size/);
    await h.stopController();
    assert.deepEqual(
      (await readdir(join(h.cacheDir, 'exports'))).filter((n) => !n.startsWith('.')),
      [],
      'no export is left behind once the syncs are over',
    );
    assert.ok((await readdir(join(h.cacheDir, 'mirrors'))).length > 0, 'the mirror is kept');
  });
});
