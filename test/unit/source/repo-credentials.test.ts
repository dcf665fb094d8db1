import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import {
  chooseCredential,
  credentialLocation,
  credentialMatches,
} from '../../../src/source/repo-credentials.js';
import type { RepoCredentialSecret } from '../../../src/source/repo-credentials.js';

const basic = { kind: 'basic', username: 'robot', password: 'hunter2-token' } as const;
const ssh = { kind: 'ssh', privateKey: 'KEY', knownHosts: 'git.example.com ssh-ed25519 AAAA' } as const;

function secret(
  name: string,
  url: string | undefined,
  extra: Partial<RepoCredentialSecret> = {},
): RepoCredentialSecret {
  return { name: `ns/${name}`, labelled: true, url, insecureAllowHTTP: false, credentials: basic, ...extra };
}

describe('credentialMatches: URL prefix on path-segment boundaries', () => {
  const prefix = 'https://git.example.com/org';
  const covered = [
    'https://git.example.com/org',
    'https://git.example.com/org/',
    'https://git.example.com/org/app.git',
    'https://git.example.com/org/team/app',
    'https://GIT.example.com/org/app.git',
    'https://git.example.com:443/org/app.git',
    'https://robot@git.example.com/org/app.git',
  ];
  for (const url of covered)
    it(`covers ${url}`, () => {
      assert.equal(credentialMatches(prefix, url), true);
    });

  const notCovered = [
    'https://git.example.com/organisation',
    'https://git.example.com/organisation/app.git',
    'https://git.example.com.evil.net/org/app.git',
    'https://evil.net/git.example.com/org',
    'https://git.example.com@evil.net/org/app.git',
    'https://git.example.com:8443/org/app.git',
    'http://git.example.com/org/app.git',
    'ssh://git@git.example.com/org/app.git',
    'https://git.example.com/Org/app.git',
    'https://git.example.com/other/app.git',
    'https://git.example.com/',
    'https://git.example.com',
    // Forms a parser, curl and the server could each read as a different path: never covered.
    'https://git.example.com/org/../evil/app.git',
    'https://git.example.com/org/%2e%2e/evil',
    'https://git.example.com/org/%2E%2E/evil',
    'https://git.example.com/org%2F..%2Fevil',
    'https://git.example.com/org/./app',
    'https://git.example.com//org/app',
    'https://git.example.com/org\\..\\evil',
    'https://git.example.com\\@evil.net/org',
    'https://git.example.com/org/app?x=1',
    'https://git.example.com/org/app#frag',
    'https://git.example%2ecom/org/app',
    'file:///git.example.com/org/app',
    'ext::sh -c touch% /tmp/x',
  ];
  for (const url of notCovered)
    it(`does not cover ${url}`, () => {
      assert.equal(credentialMatches(prefix, url), false);
    });

  it('matches the last segment with or without .git', () => {
    assert.equal(credentialMatches('https://h.example/org/app.git', 'https://h.example/org/app'), true);
    assert.equal(credentialMatches('https://h.example/org/app', 'https://h.example/org/app.git'), true);
    assert.equal(credentialMatches('https://h.example/org/app', 'https://h.example/org/app-two.git'), false);
  });

  it('treats scp-like and ssh:// alike, port 22 as default', () => {
    assert.equal(credentialMatches('git@git.example.com:org', 'ssh://git@git.example.com/org/app.git'), true);
    assert.equal(
      credentialMatches('ssh://git@git.example.com:22/org', 'git@git.example.com:org/app.git'),
      true,
    );
    assert.equal(credentialMatches('git@git.example.com:org', 'git@git.example.com:organisation/app'), false);
    assert.equal(credentialMatches('git@git.example.com:org', 'ssh://git@git.example.com:2222/org/a'), false);
  });

  it('a host-only prefix covers the whole host and nothing else', () => {
    assert.equal(credentialMatches('https://git.example.com', 'https://git.example.com/any/repo'), true);
    assert.equal(credentialMatches('https://git.example.com/', 'https://git.example.com.evil.net/x'), false);
  });

  it('keeps IPv6 literals and ports', () => {
    assert.deepEqual(credentialLocation('http://[::1]:8080/org/app.git'), {
      scheme: 'http',
      host: '[::1]:8080',
      segments: ['org', 'app'],
    });
  });
});

describe('chooseCredential', () => {
  const app = 'Application ns/web';
  const url = 'https://git.example.com/org/app.git';

  const refusedWith = (pattern: RegExp) => (error: unknown) =>
    error instanceof MooringError &&
    error.code === 'UNSAFE_INPUT' &&
    error.message.startsWith(app) &&
    pattern.test(error.message) &&
    !error.message.includes('hunter2');

  it('without secretRef, uses the labelled secret with the longest matching prefix', () => {
    const choice = chooseCredential(app, url, undefined, [
      secret('host', 'https://git.example.com'),
      secret('org', 'https://git.example.com/org'),
      secret('other', 'https://git.example.com/organisation/app'),
      secret('evil', 'https://git.example.com.evil.net/org'),
    ]);
    assert.equal(choice.secret, 'ns/org');
  });

  it('without secretRef and without a matching secret, fetches anonymously', () => {
    const choice = chooseCredential(app, url, undefined, [
      secret('other', 'https://git.example.com/organisation'),
      secret('unlabelled', 'https://git.example.com/org', { labelled: false }),
      secret('no-url', undefined),
    ]);
    assert.deepEqual(choice, { credentials: undefined });
  });

  it('ties go to the first name, whatever the list order', () => {
    const a = secret('a', 'https://git.example.com/org');
    const b = secret('b', 'https://git.example.com/org');
    assert.equal(chooseCredential(app, url, undefined, [b, a]).secret, 'ns/a');
    assert.equal(chooseCredential(app, url, undefined, [a, b]).secret, 'ns/a');
  });

  it('a named secret must be labelled (a service-account token secret is refused)', () => {
    assert.throws(
      () => chooseCredential(app, url, secret('sa-token', undefined, { labelled: false }), []),
      refusedWith(/ns\/sa-token is not a repository credential \(label mooring\.dev\/credential-type/),
    );
  });

  it('a named secret must be bound to a prefix covering the URL', () => {
    assert.throws(
      () => chooseCredential(app, url, secret('c', undefined), []),
      refusedWith(/has no url key/),
    );
    assert.throws(
      () => chooseCredential(app, url, secret('c', 'https://git.example.com/organisation'), []),
      refusedWith(/bound to https:\/\/git\.example\.com\/organisation, which does not cover/),
    );
  });

  it('never over plain http without insecureAllowHTTP', () => {
    const httpURL = 'http://127.0.0.1:8080/org/app.git';
    assert.throws(
      () => chooseCredential(app, httpURL, secret('c', 'http://127.0.0.1:8080/org'), []),
      refusedWith(/clear text over http:\/\/.*insecureAllowHTTP/),
    );
    assert.throws(
      () => chooseCredential(app, httpURL, undefined, [secret('c', 'http://127.0.0.1:8080/org')]),
      refusedWith(/insecureAllowHTTP/),
    );
    const allowed = secret('c', 'http://127.0.0.1:8080/org', { insecureAllowHTTP: true });
    assert.equal(chooseCredential(app, httpURL, allowed, []).credentials, basic);
  });

  it('an https credential is not sent to the same host over http', () => {
    assert.throws(
      () =>
        chooseCredential(
          app,
          'http://git.example.com/org/app.git',
          secret('c', 'https://git.example.com/org'),
          [],
        ),
      refusedWith(/does not cover/),
    );
  });

  it('the kind of credential must fit the scheme', () => {
    assert.throws(
      () => chooseCredential(app, url, secret('c', 'https://git.example.com/org', { credentials: ssh }), []),
      refusedWith(/holds an ssh key/),
    );
    assert.throws(
      () =>
        chooseCredential(app, 'git@git.example.com:org/app.git', secret('c', 'git@git.example.com:org'), []),
      refusedWith(/holds a user name and password/),
    );
    const sshSecret = secret('c', 'git@git.example.com:org', { credentials: ssh });
    assert.equal(chooseCredential(app, 'ssh://git@git.example.com/org/app', sshSecret, []).credentials, ssh);
  });

  it('a named secret without keys is refused', () => {
    assert.throws(
      () =>
        chooseCredential(
          app,
          url,
          secret('c', 'https://git.example.com/org', { credentials: undefined }),
          [],
        ),
      refusedWith(/neither password\/token nor sshPrivateKey\+knownHosts/),
    );
  });

  it('a repoURL that is not canonical gets no credential, with the reason', () => {
    assert.throws(
      () =>
        chooseCredential(
          app,
          'https://git.example.com/org/../evil/app.git',
          secret('c', 'https://git.example.com/org'),
          [],
        ),
      refusedWith(/not in canonical form/),
    );
  });
});
