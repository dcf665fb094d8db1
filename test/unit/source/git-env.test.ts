import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

import {
  askpassScript,
  gitEnv,
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
  it('uses only the given key and known_hosts, with strict host key checking', () => {
    const command = sshCommand('/tmp/mooring-git-auth-abc/id', '/tmp/mooring-git-auth-abc/known_hosts');
    assert.equal(
      command,
      "ssh -i '/tmp/mooring-git-auth-abc/id' -o IdentitiesOnly=yes -o 'UserKnownHostsFile=/tmp/mooring-git-auth-abc/known_hosts' -o StrictHostKeyChecking=yes -o BatchMode=yes -F /dev/null",
    );
  });

  it('quotes paths so the shell git runs it with reads each as one word', () => {
    const key = "/tmp/it's here/$(touch x) `y`";
    const command = sshCommand(key, '/tmp/k h');
    // The shell git uses splits the command into exactly these words, with nothing expanded.
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${command.replace(/^ssh /, '')}`], {
      encoding: 'utf8',
    }).split('\n');
    assert.equal(words[1], key);
    assert.equal(words[5], 'UserKnownHostsFile=/tmp/k h');
  });

  it('shellQuote survives single quotes', () => {
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote("a'b")}`], { encoding: 'utf8' }), "a'b");
  });
});

describe('askpassScript', () => {
  it('answers the username and password prompts from the environment', () => {
    const env = { PATH: process.env.PATH, MOORING_GIT_USERNAME: 'robot', MOORING_GIT_PASSWORD: "p'a$s w" };
    const ask = (prompt: string): string =>
      execFileSync('sh', ['-c', askpassScript(), 'askpass', prompt], { env, encoding: 'utf8' });
    assert.equal(ask("Username for 'https://host': "), 'robot\n');
    assert.equal(ask("Password for 'https://robot@host': "), "p'a$s w\n");
    assert.doesNotMatch(askpassScript(), /robot|p'a/);
  });
});

describe('scrubSecrets', () => {
  it('removes passwords, long usernames and URL user info', () => {
    const secrets = secretsOf({ kind: 'basic', username: 'deploy-bot', password: 's3cret' });
    const text = "fatal: Authentication failed for 'https://deploy-bot:s3cret@host/r.git' (s3cret, deploy-bot)";
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
    assert.equal(scrubSecrets(`oops ${key}`, secretsOf({ kind: 'ssh', privateKey: key + '\n', knownHosts: '' })), 'oops ***');
  });
});
