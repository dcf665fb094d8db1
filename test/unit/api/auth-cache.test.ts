import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  accessKey,
  SubjectAccessReviewAuthorizer,
  TokenReviewAuthenticator,
} from '../../../src/api/auth/kubernetes.js';
import { ExpiringCache, secretKey } from '../../../src/api/auth/cache.js';
import type { Identity } from '../../../src/api/auth/types.js';
import type { KubeClient, RequestSpec } from '../../../src/kube/client.js';

/** A client that answers reviews from a table and records what was sent. */
function fakeClient(answer: (spec: RequestSpec) => unknown): { client: KubeClient; sent: RequestSpec[] } {
  const sent: RequestSpec[] = [];
  const client = {
    request: (spec: RequestSpec) => {
      sent.push(spec);
      return Promise.resolve(answer(spec));
    },
  } as unknown as KubeClient;
  return { client, sent };
}

const tokenReview = (spec: RequestSpec): unknown => {
  const token = (spec.body as { spec: { token: string } }).spec.token;
  return token === 'good-token'
    ? {
        status: {
          authenticated: true,
          user: { username: 'alice', uid: 'u1', groups: ['devs'], extra: { k: ['v'] } },
        },
      }
    : { status: { authenticated: false, error: 'invalid bearer token' } };
};

describe('authentication cache', () => {
  it('asks TokenReview once per token within the ttl, keyed by a hash that is not the token', async () => {
    let now = 1_000_000;
    const { client, sent } = fakeClient(tokenReview);
    const auth = new TokenReviewAuthenticator(client, {
      validTtlMs: 30_000,
      invalidTtlMs: 10_000,
      now: () => now,
    });
    const [a, b] = await Promise.all([auth.authenticate('good-token'), auth.authenticate('good-token')]);
    assert.deepEqual(a, {
      user: 'alice',
      uid: 'u1',
      groups: ['devs'],
      extra: { k: ['v'] },
      via: 'token-review',
    });
    assert.deepEqual(b, a);
    assert.equal(sent.length, 1, 'concurrent look-ups share one review');
    now += 29_000;
    await auth.authenticate('good-token');
    assert.equal(sent.length, 1);
    now += 2_000;
    await auth.authenticate('good-token');
    assert.equal(sent.length, 2, 'asked again after the ttl');
    assert.equal(await auth.authenticate('garbage'), undefined);
    assert.equal(await auth.authenticate('garbage'), undefined);
    assert.equal(sent.length, 3, 'a refused token is cached too');
    now += 11_000;
    await auth.authenticate('garbage');
    assert.equal(sent.length, 4);
    assert.equal(sent[0]?.verb, 'review', 'reviews are not counted as writes');
    assert.equal(await auth.authenticate(''), undefined);
    assert.equal(await auth.authenticate('x'.repeat(20_000)), undefined);
    assert.equal(sent.length, 4, 'empty and oversized tokens are not sent');
    const key = secretKey('good-token');
    assert.ok(!key.includes('good-token'));
    assert.equal(key.length, 43);
  });

  it('does not cache a failed review', async () => {
    let fail = true;
    const { client, sent } = fakeClient((spec) => {
      if (fail) throw new Error('connection refused');
      return tokenReview(spec);
    });
    const auth = new TokenReviewAuthenticator(client);
    await assert.rejects(auth.authenticate('good-token'), /connection refused/);
    fail = false;
    assert.equal((await auth.authenticate('good-token'))?.user, 'alice');
    assert.equal(sent.length, 2);
  });

  it('asks SubjectAccessReview with the whole identity, caching per identity and question', async () => {
    let now = 0;
    const { client, sent } = fakeClient((spec) => {
      const attrs = (spec.body as { spec: { resourceAttributes: { verb: string; namespace?: string } } }).spec
        .resourceAttributes;
      return { status: { allowed: attrs.verb === 'get' && attrs.namespace === 'team-a' } };
    });
    const authz = new SubjectAccessReviewAuthorizer(client, { accessTtlMs: 10_000, now: () => now });
    const alice: Identity = {
      user: 'alice',
      uid: 'u1',
      groups: ['devs'],
      extra: { k: ['v'] },
      via: 'token-review',
    };
    assert.equal(await authz.allowed(alice, { verb: 'get', namespace: 'team-a', name: 'web' }), true);
    assert.equal(await authz.allowed(alice, { verb: 'patch', namespace: 'team-a', name: 'web' }), false);
    assert.equal(await authz.allowed(alice, { verb: 'get', namespace: 'team-a', name: 'web' }), true);
    assert.equal(await authz.allowed(alice, { verb: 'patch', namespace: 'team-a', name: 'web' }), false);
    assert.equal(sent.length, 2);
    assert.deepEqual((sent[0]?.body as { spec: unknown }).spec, {
      user: 'alice',
      groups: ['devs'],
      uid: 'u1',
      extra: { k: ['v'] },
      resourceAttributes: {
        group: 'mooring.dev',
        resource: 'applications',
        verb: 'get',
        namespace: 'team-a',
        name: 'web',
      },
    });
    await authz.allowed(
      { ...alice, groups: ['devs', 'admins'] },
      { verb: 'get', namespace: 'team-a', name: 'web' },
    );
    assert.equal(sent.length, 3, 'another group set is another identity');
    now += 10_001;
    await authz.allowed(alice, { verb: 'get', namespace: 'team-a', name: 'web' });
    assert.equal(sent.length, 4, 'RBAC changes are seen after the ttl');
    assert.notEqual(
      accessKey(alice, { verb: 'list', namespace: 'a' }),
      accessKey(alice, { verb: 'list', namespace: 'a', name: '', resource: 'syncrecords' }),
    );
  });

  it('evicts the oldest entries beyond its size', () => {
    const cache = new ExpiringCache<number>({ maxEntries: 2, now: () => 0 });
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('c', 3, 100);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('b'), 2);
    assert.equal(cache.size, 2);
  });
});
