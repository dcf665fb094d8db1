import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkIssuerURL, CompositeAuthenticator, OidcAuthenticator } from '../../../src/api/auth/oidc.js';
import type { Authenticator } from '../../../src/api/auth/types.js';
import { MooringError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';

const issuer = 'https://login.example.com';
const oidc = (options: { usernameClaim?: string; groupsClaim?: string } = {}) =>
  new OidcAuthenticator({ issuer, clientId: 'mooring', ...options }, silentLogger);

/** An unsigned JWT with these claims (only `claims()` reads it: nothing here verifies it). */
const jwt = (payload: object): string =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('OIDC identities', () => {
  it('maps the username and groups claims under the oidc: prefix, with system:authenticated', () => {
    assert.deepEqual(oidc().identityOf({ sub: 'alice', groups: ['ops', 'dev', 7] }), {
      user: 'oidc:alice',
      groups: ['oidc:ops', 'oidc:dev', 'system:authenticated'],
      via: 'oidc',
    });
    assert.deepEqual(oidc({ groupsClaim: 'roles' }).identityOf({ sub: 'bob', roles: 'admin' })?.groups, [
      'oidc:admin',
      'system:authenticated',
    ]);
    assert.equal(oidc().identityOf({ groups: ['ops'] }), undefined, 'no username: no identity');
    assert.equal(
      oidc().identityOf({ sub: 'system:masters' })?.user,
      'oidc:system:masters',
      'never a cluster identity',
    );
  });

  it('takes an email as user name only when it is verified', () => {
    const byEmail = oidc({ usernameClaim: 'email' });
    assert.equal(
      byEmail.identityOf({ email: 'a@example.com', email_verified: true })?.user,
      'oidc:a@example.com',
    );
    assert.equal(byEmail.identityOf({ email: 'a@example.com', email_verified: false }), undefined);
    assert.equal(byEmail.identityOf({ email: 'a@example.com' }), undefined);
  });

  it('sends only tokens claiming its issuer to OIDC, the rest to TokenReview', async () => {
    const seen: string[] = [];
    const kubernetes: Authenticator = {
      authenticate: (token) => Promise.resolve(void seen.push(token)),
    };
    const composite = new CompositeAuthenticator(oidc(), kubernetes);
    await composite.authenticate(jwt({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'x' }));
    await composite.authenticate('not-a-jwt');
    assert.equal(seen.length, 2);
    assert.ok(oidc().claims(jwt({ iss: issuer })));
    assert.ok(!oidc().claims(jwt({ iss: `${issuer}/other` })));
  });

  it('reaches issuers over https only, plain http only on loopback', () => {
    assert.equal(checkIssuerURL('https://login.example.com', 'x').host, 'login.example.com');
    assert.equal(checkIssuerURL('http://127.0.0.1:5556', 'x').port, '5556');
    for (const bad of ['http://login.example.com', 'file:///etc/passwd', 'not a url'])
      assert.throws(() => checkIssuerURL(bad, 'x'), MooringError, bad);
  });
});
