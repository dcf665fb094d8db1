import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  askpassScript,
  authenticatedGitConfig,
  gitEnv,
  promptOrigin,
  scrubSecrets,
  secretsOf,
  shellQuote,
  sshCommand,
} from '../../../src/source/git-env.js';

describe('gitEnv', () => {
  it('isolates git from user config and allows only safe transports', () => {
    const env = gitEnv({ EXTRA: '1' }, { PATH: '/bin', HOME: '/home/x', AWS_SECRET_ACCESS_KEY: 'nope' });
    assert.equal(env.GIT_ALLOW_PROTOCOL, 'file:https:http:ssh');
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
    assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
    assert.equal(env.PATH, '/bin');
    assert.equal(env.EXTRA, '1');
    assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
  });
});

describe('sshCommand', () => {
  it('quotes every path', () => {
    assert.equal(shellQuote("/tmp/it's"), "'/tmp/it'\\''s'");
  });

  it('uses only the given key and known_hosts, with strict host key checking', () => {
    const command = sshCommand('/tmp/mooring-git-auth-abc/id', '/tmp/mooring-git-auth-abc/known_hosts');
    assert.equal(
      command,
      "ssh -i '/tmp/mooring-git-auth-abc/id' -o IdentitiesOnly=yes -o 'UserKnownHostsFile=/tmp/mooring-git-auth-abc/known_hosts' -o StrictHostKeyChecking=yes -o BatchMode=yes -F /dev/null",
    );
  });
});

describe('scrubSecrets', () => {
  it('removes passwords, long usernames and URL user info', () => {
    const secrets = secretsOf({ kind: 'basic', username: 'deploy-bot', password: 's3cret' });
    const text =
      "fatal: Authentication failed for 'https://deploy-bot:s3cret@host/r.git' (s3cret, deploy-bot)";
    const scrubbed = scrubSecrets(text, secrets);
    assert.doesNotMatch(scrubbed, /s3cret|deploy-bot/);
    assert.match(scrubbed, /https:\/\/\*\*\*@host\/r\.git/);
  });

  it('keeps short usernames such as "git" readable', () => {
    assert.deepEqual(secretsOf({ kind: 'basic', username: 'git', password: 'tok' }), ['tok']);
    assert.deepEqual(secretsOf(undefined), []);
  });

  it('scrubs an ssh private key', () => {
    const key = '-----BEGIN KEY-----\nabc\n-----END KEY-----';
    assert.equal(
      scrubSecrets(`oops ${key}`, secretsOf({ kind: 'ssh', privateKey: key + '\n', knownHosts: '' })),
      'oops ***',
    );
  });
});

describe('askpass bound to the repository server', () => {
  it('answers prompts about its own server only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mooring-askpass-test-'));
    try {
      const script = join(dir, 'askpass.sh');
      await writeFile(script, askpassScript(), { mode: 0o700 });
      const origin = promptOrigin('http://robot@127.0.0.1:8080/org/app.git');
      assert.ok(origin !== undefined);
      assert.deepEqual(origin, { scheme: 'http', host: '127.0.0.1:8080' });
      const env = {
        PATH: process.env.PATH,
        MOORING_GIT_USERNAME: 'robot',
        MOORING_GIT_PASSWORD: 'pw',
        MOORING_GIT_SCHEME: origin.scheme,
        MOORING_GIT_HOST: origin.host,
      };
      const ask = (prompt: string): string => {
        try {
          return execFileSync(script, [prompt], { env, encoding: 'utf8' });
        } catch {
          return '(refused)';
        }
      };
      assert.equal(ask("Username for 'http://127.0.0.1:8080': "), 'robot\n');
      assert.equal(ask("Password for 'http://robot@127.0.0.1:8080': "), 'pw\n');
      for (const other of [
        "Password for 'http://robot@127.0.0.2:8080': ",
        "Password for 'http://robot@127.0.0.1:8081': ",
        "Password for 'https://robot@127.0.0.1:8080': ",
        "Password for 'http://127.0.0.1:8080.evil.net': ",
        "Username for 'http://evil.net/127.0.0.1:8080': ",
      ])
        assert.equal(ask(other), '(refused)', other);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('authenticated calls never follow redirects', () => {
    assert.deepEqual(authenticatedGitConfig(), {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.followRedirects',
      GIT_CONFIG_VALUE_0: 'false',
    });
  });
});
