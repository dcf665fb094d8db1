import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { git } from '../../../src/devgit/git-cli.js';
import { startGitHttpServer } from '../../../src/devgit/http-server.js';
import type { GitHttpServer } from '../../../src/devgit/http-server.js';
import { defaultBranch, fetchSource, sourceSpecFromArgument } from '../../../src/source/index.js';
import { sourceFixture } from './fixture.js';
import type { SourceFixture } from './fixture.js';

const USERNAME = 'deploy-robot';
const PASSWORD = 'pa55-W0rd-never-shown';

/** Every string reachable from an error: message, hint, subject, stack, and the whole cause chain. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    parts.push(inspect(current, { depth: null, showHidden: true }));
    if (current instanceof Error) parts.push(current.stack ?? '', JSON.stringify(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and never answers: a server that hangs. */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('fetchSource over smart HTTP with basic auth', () => {
  let f: SourceFixture;
  let server: GitHttpServer;
  let url: string;

  before(async () => {
    f = await sourceFixture();
    server = await startGitHttpServer({
      projectRoot: f.root,
      basicAuth: { username: USERNAME, password: PASSWORD },
    });
    url = `${server.baseUrl}/config.git`;
  });
  after(async () => {
    await server.close();
    await f.cleanup();
  });

  it('fetches with the right credentials, and keeps them out of the mirror', async () => {
    const source = await fetchSource(
      {
        repoURL: url,
        ref: { branch: 'main' },
        path: 'apps/web',
        credentials: { kind: 'basic', username: USERNAME, password: PASSWORD },
      },
      f.cacheDir,
    );
    assert.equal(source.commit.sha, await f.repo.head());
    assert.match(await readFile(join(source.appDir, 'configmap.yaml'), 'utf8'), /kind: ConfigMap/);
    for (const file of await filesUnder(join(f.cacheDir, 'mirrors'))) {
      if (file.includes('/objects/')) continue;
      const text = await readFile(file, 'utf8');
      assert.ok(!text.includes(PASSWORD) && !text.includes(USERNAME), `credentials found in ${file}`);
    }
  });

  it('fails with SOURCE_FAILED and no password anywhere when the password is wrong', async () => {
    const wrong = 'wr0ng-pa55-xyz';
    const error = await fetchSource(
      {
        repoURL: url,
        ref: { branch: 'main' },
        path: '',
        credentials: { kind: 'basic', username: USERNAME, password: wrong },
      },
      join(f.root, 'wrong-cache'),
    ).then(
      () => assert.fail('fetch with a wrong password succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MooringError);
    assert.equal(error.code, 'SOURCE_FAILED');
    assert.equal(error.step, 'source');
    assert.match(error.message, /authentication failed/);
    assert.match(error.hint ?? '', /secretRef/);
    const everything = everythingIn(error);
    assert.ok(!everything.includes(wrong), 'the wrong password leaked into the error');
    assert.ok(!everything.includes(PASSWORD), 'the real password leaked into the error');
    assert.ok(!everything.includes(USERNAME), 'the username leaked into the error');
    assert.ok(everything.includes(url), 'the error names the repository');
  });

  it('fails with SOURCE_FAILED when credentials are missing', async () => {
    await assert.rejects(
      fetchSource({ repoURL: url, ref: { branch: 'main' }, path: '' }, join(f.root, 'anon-cache')),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'SOURCE_FAILED' &&
        error.message.includes('authentication failed'),
    );
  });

  it('finds the default branch with one ls-remote, and builds a spec from the CLI syntax', async () => {
    const credentials = { kind: 'basic', username: USERNAME, password: PASSWORD } as const;
    assert.equal(await defaultBranch(url, { credentials }), 'main');
    await git(f.repo.bareDir, ['symbolic-ref', 'HEAD', 'refs/heads/trunk']);
    await f.repo.branch('trunk');
    await f.repo.push('trunk');
    try {
      assert.equal(await defaultBranch(url, { credentials }), 'trunk');
      assert.deepEqual(await sourceSpecFromArgument(`${url}//apps/web`, { credentials }), {
        repoURL: url,
        ref: { branch: 'trunk' },
        path: 'apps/web',
        credentials,
      });
      assert.deepEqual(await sourceSpecFromArgument(`${url}@v1.2.0`), {
        repoURL: url,
        ref: { tag: 'v1.2.0' },
        path: '',
      });
    } finally {
      await git(f.repo.bareDir, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    }
  });
});

describe('fetchSource cache reuse over HTTP', () => {
  it('reuses the mirror on a second fetch and skips the network for a cached commit with preferCache', async (t) => {
    const f = await sourceFixture();
    const server = await startGitHttpServer({ projectRoot: f.root });
    t.after(async () => {
      await server.close();
      await f.cleanup();
    });
    const url = `${server.baseUrl}/config.git`;
    const first = await fetchSource({ repoURL: url, ref: { branch: 'main' }, path: 'apps/web' }, f.cacheDir);
    const mirrors = await readdir(join(f.cacheDir, 'mirrors'));
    assert.equal(mirrors.length, 1);
    const mirrorDir = join(f.cacheDir, 'mirrors', mirrors[0] ?? '');
    const mirrorBorn = (await stat(mirrorDir)).ino;
    await first.release();

    const second = await fetchSource({ repoURL: url, ref: { branch: 'main' }, path: 'apps/web' }, f.cacheDir);
    assert.equal(second.commit.sha, first.commit.sha);
    assert.deepEqual(await readdir(join(f.cacheDir, 'mirrors')), mirrors);
    assert.equal((await stat(mirrorDir)).ino, mirrorBorn);
    await second.release();
    assert.deepEqual(await readdir(join(f.cacheDir, 'exports')), [], 'released exports are gone');

    const before = server.requestCount();
    const cached = await fetchSource(
      { repoURL: url, ref: { commit: first.commit.sha.slice(0, 10) }, path: 'apps/web' },
      f.cacheDir,
      { preferCache: true },
    );
    assert.equal(cached.commit.sha, first.commit.sha);
    assert.equal(server.requestCount(), before, 'preferCache with a cached commit must not fetch');
    await fetchSource({ repoURL: url, ref: { commit: first.commit.sha }, path: '' }, f.cacheDir);
    assert.ok(server.requestCount() > before, 'without preferCache the mirror is refreshed');
  });
});

describe('fetchSource against servers that do not answer', () => {
  it('fails fast and clearly when nothing listens on the port', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'mooring-source-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const port = await closedPort();
    const started = Date.now();
    await assert.rejects(
      fetchSource(
        { repoURL: `http://127.0.0.1:${port}/config.git`, ref: { branch: 'main' }, path: '' },
        root,
      ),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'SOURCE_FAILED' &&
        error.message.startsWith(
          `cannot fetch http://127.0.0.1:${port}/config.git: the server cannot be reached`,
        ) &&
        (error.hint ?? '').includes('host and port'),
    );
    // The message says "cannot be reached", not "timed out": it failed on the refused connection.
    t.diagnostic(`refused connection reported after ${Date.now() - started} ms`);
  });

  it('gives up after the timeout when the server accepts but never answers', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'mooring-source-'));
    const { server, port } = await silentServer();
    t.after(async () => {
      server.close();
      await rm(root, { recursive: true, force: true });
    });
    const started = Date.now();
    await assert.rejects(
      fetchSource(
        { repoURL: `http://127.0.0.1:${port}/config.git`, ref: { branch: 'main' }, path: '' },
        root,
        {
          timeoutMs: 1_500,
        },
      ),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'SOURCE_FAILED' &&
        /timed out after 1.5 s/.test(error.message),
    );
    t.diagnostic(`silent server given up after ${Date.now() - started} ms`);
  });
});
