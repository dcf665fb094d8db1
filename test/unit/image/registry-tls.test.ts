import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { clientCertificateProblem, RegistryAgents } from '../../../src/image/registry/http.js';
import { Egress } from '../../../src/net/egress.js';

describe('registry TLS', () => {
  it('explains a TLS alert as a missing or refused client certificate, and nothing else', () => {
    assert.match(
      clientCertificateProblem('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', false),
      /asks for a client certificate \(mutual TLS\) and none is configured/,
    );
    assert.match(
      clientCertificateProblem('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', true),
      /refused the client certificate of spec\.certSecretRef/,
    );
    assert.equal(clientCertificateProblem('ECONNREFUSED', false), '');
    assert.equal(clientCertificateProblem('UNABLE_TO_VERIFY_LEAF_SIGNATURE', true), '');
  });

  it('refuses a certificate and key that are not PEM before any connection, without quoting them', () => {
    const secret = 'not-a-pem-but-secret-material';
    const error = (() => {
      try {
        new RegistryAgents(
          undefined,
          Egress.shared(),
          { certPem: secret, keyPem: secret },
          'ImageRepository/ns/app',
        ).destroy();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof MooringError);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.match(
      error.message,
      /^ImageRepository\/ns\/app: the certificates of spec\.certSecretRef cannot be used \(/,
    );
    assert.ok(!error.message.includes(secret));
  });

  it('accepts no client certificate (plain TLS with the system or given CA)', () => {
    const agents = new RegistryAgents(undefined, Egress.shared());
    assert.equal(agents.presentsCertificate, false);
    agents.destroy();
  });
});
