import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { MooringError } from '../../../src/core/errors.js';

import { withCredentials } from '../../../src/source/credentials.js';
import { fetchSource } from '../../../src/source/index.js';
import { askpassScript, shellQuote, sshCommand } from '../../../src/source/git-env.js';

/** The words `sh -c` makes of a GIT_SSH_COMMAND (git runs it that way), after "ssh". */
function shellWords(command: string): string[] {
  const args = command.replace(/^ssh /, '');
  return execFileSync('sh', ['-c', `printf '%s\\n' ${args}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);
}

describe('SSH credentials (command construction only: no sshd runs here)', () => {
  it('writes the key (0600) and known_hosts to a private dir, points GIT_SSH_COMMAND at them, then removes them', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----';
    let dir = '';
    await withCredentials(
      { kind: 'ssh', privateKey: key, knownHosts: 'git.example.com ssh-ed25519 AAAAC3' },
      async (auth) => {
        const words = shellWords(auth.env.GIT_SSH_COMMAND ?? '');
        const keyPath = words[1] ?? '';
        dir = dirname(keyPath);
        assert.deepEqual(words, [
          '-i',
          keyPath,
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          'BatchMode=yes',
          '-F',
          '/dev/null',
        ]);
        assert.equal((await stat(dir)).mode & 0o777, 0o700);
        assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
        assert.equal(await readFile(keyPath, 'utf8'), key + '\n');
        assert.match(await readFile(join(dir, 'known_hosts'), 'utf8'), /^git\.example\.com ssh-ed25519/);
        assert.ok(auth.secrets.includes(key));
        assert.ok(!JSON.stringify(auth.env).includes('AAAA\n'), 'the key itself is not in the environment');
      },
    );
    await assert.rejects(stat(dir), { code: 'ENOENT' });
  });

  it('quotes paths with spaces, quotes and $(...) as single words', () => {
    const key = "/tmp/it's here/$(touch x) `y`";
    const words = shellWords(sshCommand(key, '/tmp/k h'));
    assert.equal(words[1], key);
    assert.equal(words[5], 'UserKnownHostsFile=/tmp/k h');
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote("a'b")}`], { encoding: 'utf8' }), "a'b");
  });
});

describe('SSH credentials through git and ssh', () => {
  it('runs ssh with the key and fails plainly, without the key, when the host refuses', async (t) => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'mooring-source-'));
    t.after(() => rm(cacheDir, { recursive: true, force: true }));
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-material\n-----END OPENSSH PRIVATE KEY-----';
    await assert.rejects(
      fetchSource(
        {
          repoURL: 'ssh://git@127.0.0.1:1/config.git',
          ref: { branch: 'main' },
          path: '',
          credentials: { kind: 'ssh', privateKey: key, knownHosts: '' },
        },
        cacheDir,
      ),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'SOURCE_FAILED' &&
        error.message.startsWith(
          'cannot fetch ssh://127.0.0.1:1/config.git: the server cannot be reached (ssh: connect to host 127.0.0.1 port 1',
        ) &&
        !inspect(error, { depth: null }).includes('not-a-real-key-material'),
    );
  });
});

describe('HTTPS basic credentials', () => {
  it('gives git an askpass helper (0700) that answers from the environment, and removes it even on failure', async () => {
    let helper = '';
    await assert.rejects(
      withCredentials({ kind: 'basic', username: 'robot', password: "p'a$s w" }, async (auth) => {
        helper = auth.env.GIT_ASKPASS ?? '';
        assert.equal((await stat(helper)).mode & 0o777, 0o700);
        assert.equal((await stat(dirname(helper))).mode & 0o777, 0o700);
        assert.doesNotMatch(await readFile(helper, 'utf8'), /robot|p'a/);
        const env = { PATH: process.env.PATH, ...auth.env };
        assert.equal(
          execFileSync(helper, ["Username for 'https://host': "], { env, encoding: 'utf8' }),
          'robot\n',
        );
        assert.equal(
          execFileSync(helper, ["Password for 'https://robot@host': "], { env, encoding: 'utf8' }),
          "p'a$s w\n",
        );
        throw new Error('git failed');
      }),
      /git failed/,
    );
    await assert.rejects(stat(dirname(helper)), { code: 'ENOENT' });
  });

  it('the askpass script holds no secret', () => {
    assert.doesNotMatch(askpassScript(), /password\s*=|robot/i);
  });

  it('adds nothing when there are no credentials', async () => {
    const auth = await withCredentials(undefined, async (given) => given);
    assert.deepEqual(auth, { env: {}, secrets: [] });
  });
});
