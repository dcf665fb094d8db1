import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { credentialsFor } from '../../../src/image/registry/credentials.js';
import { nextLink, parseWwwAuthenticate, retryAfterMs } from '../../../src/image/registry/headers.js';
import { parseImageName } from '../../../src/image/registry/reference.js';

describe('WWW-Authenticate', () => {
  it('reads a distribution Bearer challenge with a scope holding commas and colons', () => {
    const header =
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          scope: 'repository:team/app:pull,push',
        },
      },
    ]);
  });

  it('reads Basic, several challenges, escaped quotes and unquoted values', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry \\"Realm\\""'), [
      { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm=x, Bearer realm="https://a/t", service=s'), [
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'https://a/t', service: 's' } },
    ]);
  });

  it('gives nothing for an absent or unreadable header', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate('"just a quote'), []);
    assert.deepEqual(parseWwwAuthenticate('x'.repeat(9000)), []);
  });
});

describe('Link pagination', () => {
  it('finds the rel="next" target, relative or absolute, among other links', () => {
    assert.equal(
      nextLink('</v2/team/app/tags/list?last=b&n=2>; rel="next"'),
      '/v2/team/app/tags/list?last=b&n=2',
    );
    assert.equal(
      nextLink(
        '<https://r.example/v2/a/tags/list?last=z>; rel="prev", <https://r.example/v2/a/tags/list?last=c>; rel=next',
      ),
      'https://r.example/v2/a/tags/list?last=c',
    );
  });

  it('gives undefined without a next link', () => {
    assert.equal(nextLink(undefined), undefined);
    assert.equal(nextLink('</v2/a/tags/list?last=b>; rel="prev"'), undefined);
    assert.equal(nextLink('garbage'), undefined);
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    assert.equal(retryAfterMs('7', now), 7000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Mon, 30 Nov 2026 00:00:00 GMT', now), 0);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs('-1', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});

describe('image names and Docker config credentials', () => {
  it('splits registry and repository as Docker does, expanding Docker Hub names', () => {
    assert.deepEqual(parseImageName('127.0.0.1:5000/team/app'), {
      registry: '127.0.0.1:5000',
      apiHost: '127.0.0.1:5000',
      repository: 'team/app',
      canonicalName: '127.0.0.1:5000/team/app',
    });
    assert.equal(parseImageName('nginx').canonicalName, 'docker.io/library/nginx');
    assert.equal(parseImageName('team/app').apiHost, 'registry-1.docker.io');
    assert.equal(parseImageName('localhost/app').registry, 'localhost');
    assert.equal(parseImageName('docker.io/nginx').repository, 'library/nginx');
    assert.throws(
      () => parseImageName('registry.example/app:1.0'),
      /is not an image name without tag or digest/,
    );
  });

  it('finds the entry for a host under any of the key forms Docker writes', () => {
    const auth = Buffer.from('user:pa:ss').toString('base64');
    const config = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth },
        'registry.example.com:5000': { username: 'u2', password: 'p2' },
      },
    });
    assert.deepEqual(credentialsFor(config, 'docker.io', 's'), { username: 'user', password: 'pa:ss' });
    assert.deepEqual(credentialsFor(config, 'registry.example.com:5000', 's'), {
      username: 'u2',
      password: 'p2',
    });
    assert.equal(credentialsFor(config, 'other.example.com', 's'), undefined);
  });

  it('refuses a config that is not one, without quoting it', () => {
    assert.throws(
      () => credentialsFor('{"secret-password"', 'x', 'ImageRepository/ns/app'),
      (error: Error) => error.message.includes('is not JSON') && !error.message.includes('secret-password'),
    );
    assert.throws(() => credentialsFor('{"auths":{"x":{}}}', 'x', 's'), /without username\/password or auth/);
  });
});
