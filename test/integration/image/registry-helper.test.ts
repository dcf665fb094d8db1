import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { REGISTRY_PASSWORD, REGISTRY_USER, startRegistry } from '../../helpers/registry.js';

const basic = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;

describe('test registry (docker-registry on loopback)', () => {
  it('pushes an image without Docker and serves its manifest under the digest it reported', async (t) => {
    const registry = await startRegistry(t, { auth: 'basic' });
    const pushed = await registry.pushImage('team/app', '1.0.0');
    assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
    const anonymous = await fetch(`${registry.url}/v2/team/app/tags/list`);
    assert.equal(anonymous.status, 401);
    const head = await fetch(`${registry.url}/v2/team/app/manifests/1.0.0`, {
      method: 'HEAD',
      headers: { authorization: basic, accept: pushed.mediaType },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('docker-content-digest'), pushed.digest);
    const tags = await fetch(`${registry.url}/v2/team/app/tags/list`, { headers: { authorization: basic } });
    assert.deepEqual(await tags.json(), { name: 'team/app', tags: ['1.0.0'] });
  });

  it('asks for a Bearer token from its token service and accepts the token it issues', async (t) => {
    const registry = await startRegistry(t, { auth: 'token' });
    await registry.pushImage('team/app', 'v1');
    const challenge = await fetch(`${registry.url}/v2/team/app/tags/list`);
    assert.equal(challenge.status, 401);
    assert.match(
      challenge.headers.get('www-authenticate') ?? '',
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token"/,
    );
    assert.ok(
      registry.tokenRequests.some((r) => r.scope === 'repository:team/app:pull,push' && r.authorised),
    );
  });

  it('serves https with a certificate from its test CA', async (t) => {
    const registry = await startRegistry(t, { tls: true });
    assert.match(registry.url, /^https:/);
    assert.match(registry.caPem ?? '', /BEGIN CERTIFICATE/);
    const pushed = await registry.pushImage('app', 'latest');
    assert.equal(pushed.tag, 'latest');
    await assert.rejects(fetch(`${registry.url}/v2/`), 'an unknown CA is refused by default');
  });
});
