import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { connect } from '../../../src/kube/connect.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { applyCrds, RecordingLogger } from '../controller/harness.js';
import { bindRole, call, startApi } from './helpers.js';

const CLIENT_ID = 'mooring-ui';

type SigningKey = Parameters<SignJWT['sign']>[0];

/** A local OIDC issuer: discovery document and JWKS over HTTP on loopback; counts key fetches. */
async function localIssuer(t: { after: (fn: () => Promise<void>) => void }) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const hits = { discovery: 0, jwks: 0 };
  let issuer = '';
  const server = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      hits.discovery++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/jwks`,
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    } else if (request.url === '/jwks') {
      hits.jwks++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  const sign = (
    claims: Record<string, unknown>,
    options: { key?: SigningKey; audience?: string; expiresIn?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(issuer)
      .setAudience(options.audience ?? CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(options.key ?? privateKey);
  return { issuer: () => issuer, sign, hits };
}

describe('HTTP API: OIDC login', () => {
  it('maps a verified ID token to oidc: user and groups and authorises them with the cluster RBAC', async (t) => {
    await applyCrds();
    const namespace = await testNamespace(t);
    const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      objects.client.close();
    });
    await objects.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'Application',
      metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: 'https://git.example.com/org/config.git', ref: { branch: 'main' }, path: 'web' },
        destination: { namespace },
        suspend: true,
      },
    });
    await bindRole(objects, namespace, 'dana', ['get', 'list'], { kind: 'User', name: 'oidc:dana' });
    await bindRole(objects, namespace, 'ops', ['get', 'list', 'patch'], { kind: 'Group', name: 'oidc:ops' });
    const idp = await localIssuer(t);
    const api = await startApi(t, objects, [namespace], new RecordingLogger(), {
      issuer: idp.issuer(),
      clientId: CLIENT_ID,
    });

    const dana = await idp.sign({ sub: 'dana' });
    const listed = await call(api, 'GET', '/api/v1/applications', dana);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      (listed.body.items as { name: string }[]).map((i) => i.name),
      ['web'],
    );
    const refused = await call(api, 'POST', `/api/v1/applications/${namespace}/web/sync`, dana);
    assert.equal(refused.status, 403);
    assert.match(String(refused.body.message), /oidc:dana may not patch/);

    // A group from the groups claim carries the patch right.
    const erin = await idp.sign({ sub: 'erin', groups: ['ops', 'readers'] });
    const synced = await call(api, 'POST', `/api/v1/applications/${namespace}/web/sync`, erin);
    assert.equal(synced.status, 202, JSON.stringify(synced.body));
    assert.equal(synced.body.requestedBy, 'oidc:erin');

    // Another audience, expired, signed by another key, no subject: refused.
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const refusedTokens = [
      await idp.sign({ sub: 'dana' }, { audience: 'another-client' }),
      await idp.sign({ sub: 'dana' }, { expiresIn: '-1m' }),
      await idp.sign({ sub: 'dana' }, { key: otherKey }),
      await idp.sign({}),
    ];
    for (const token of refusedTokens) {
      const answer = await call(api, 'GET', '/api/v1/applications', token);
      assert.equal(answer.status, 401, token.slice(-12));
      assert.equal(answer.body.code, 'UNAUTHENTICATED');
    }
    // An unsigned token claiming the issuer is refused too.
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        iss: idp.issuer(),
        aud: CLIENT_ID,
        sub: 'ops-admin',
        groups: ['ops'],
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    ).toString('base64url');
    const unsigned = await call(
      api,
      'POST',
      `/api/v1/applications/${namespace}/web/sync`,
      `${header}.${payload}.`,
    );
    assert.equal(unsigned.status, 401);
    assert.equal(idp.hits.discovery, 1, 'the discovery document is read once');
  });
});
