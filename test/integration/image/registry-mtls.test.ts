/**
 * Mutual TLS to registries, on the local cluster with the real docker-registry configured with
 * `tls.clientcas` and a token service over https that also requires a client certificate: certSecretRef's
 * tls.crt/tls.key are presented to both; without them, or with an untrusted or half a certificate, the scan
 * fails with a clear error and keeps nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startRegistry } from '../../helpers/registry.js';
import { readyOf, startScanFixture } from './scan-fixture.js';

describe('mutual TLS to registries', () => {
  it('scans with the client certificate of certSecretRef, and fails clearly without a good one', async (t) => {
    const registry = await startRegistry(t, { auth: 'token', tls: true, clientCertificates: true });
    const good = registry.clientCertificate;
    const untrusted = registry.untrustedClientCertificate;
    assert.ok(good !== undefined && untrusted !== undefined && registry.tokenUrl?.startsWith('https://'));
    for (const tag of ['1.0.0', '1.1.0']) await registry.pushImage('team/app', tag);
    const f = await startScanFixture(t);
    await f.createSecret('creds', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': registry.dockerConfigJson(),
    });
    const ca = registry.caPem ?? '';
    await f.createSecret('ca-only', 'Opaque', { 'ca.crt': ca });
    await f.createSecret('untrusted', 'kubernetes.io/tls', {
      'ca.crt': ca,
      'tls.crt': untrusted.certPem,
      'tls.key': untrusted.keyPem,
    });
    await f.createSecret('half', 'Opaque', { 'ca.crt': ca, 'tls.crt': good.certPem });
    await f.createSecret('mismatched', 'kubernetes.io/tls', {
      'ca.crt': ca,
      'tls.crt': good.certPem,
      'tls.key': untrusted.keyPem,
    });
    await f.createSecret('mtls', 'kubernetes.io/tls', {
      'ca.crt': ca,
      'tls.crt': good.certPem,
      'tls.key': good.keyPem,
    });
    const image = `${registry.host}/team/app`;
    const repository = (name: string, certSecret: string): Promise<void> =>
      f.createRepository(name, {
        image,
        secretRef: { name: 'creds' },
        certSecretRef: { name: certSecret },
        interval: '1h',
      });
    const failure = async (name: string): Promise<string> => {
      const status = await f.waitForRepository(name, 'a failed scan', (s) =>
        readyOf(s)?.status === 'False' ? s : undefined,
      );
      assert.equal(status.tagCount, undefined, `${name}: nothing kept`);
      const message = readyOf(status)?.message ?? '';
      t.diagnostic(`${name}: ${message}`);
      return message;
    };

    await repository('app', 'mtls');
    await repository('no-cert', 'ca-only');
    await repository('untrusted', 'untrusted');
    await repository('half', 'half');
    await repository('mismatched', 'mismatched');

    const scanned = await f.waitForRepository('app', 'a successful scan', (s) =>
      s.tagCount === undefined ? undefined : s,
    );
    assert.deepEqual([...(scanned.tags ?? [])].sort(), ['1.0.0', '1.1.0']);
    assert.ok(
      registry.tokenRequests.some((r) => r.authorised && r.scope === 'repository:team/app:pull'),
      'the token service (https, client certificate required) issued the token',
    );

    assert.match(
      await failure('no-cert'),
      /cannot reach https:\/\/127\.0\.0\.1:\d+: \S+: the registry asks for a client certificate \(mutual TLS\) and none is configured; put tls\.crt and tls\.key in the Secret named by spec\.certSecretRef/,
    );
    assert.match(
      await failure('untrusted'),
      /cannot reach https:\/\/127\.0\.0\.1:\d+: \S+: the registry refused the client certificate of spec\.certSecretRef .*check tls\.crt and tls\.key/,
    );
    assert.match(await failure('half'), /Secret \S+\/half has tls\.crt without tls\.key/);
    const mismatched = await failure('mismatched');
    assert.match(
      mismatched,
      /the certificates of spec\.certSecretRef cannot be used \(key values mismatch\)/,
    );
    assert.ok(!mismatched.includes('PRIVATE KEY'), 'no key material in the message');
  });
});
