import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { signingFingerprint, withSignature } from '../../../src/source/commit-signing.js';

const PRIMARY = 'A'.repeat(40);
const SUBKEY = 'B'.repeat(40);

describe('commit signing (pure parts)', () => {
  it('picks the first secret key or subkey that can sign', () => {
    const certifyOnlyPrimary = [
      `sec:u:255:22:1111111111111111:1700000000:::u:::cC:::+:::ed25519:::0:`,
      `fpr:::::::::${PRIMARY}:`,
      `ssb:u:255:22:2222222222222222:1700000000::::::s:::+:::ed25519::`,
      `fpr:::::::::${SUBKEY}:`,
    ].join('\n');
    assert.equal(signingFingerprint(certifyOnlyPrimary), SUBKEY);
    const signingPrimary = [
      `sec:u:255:22:1111111111111111:1700000000:::u:::scSC:::+:::ed25519:::0:`,
      `fpr:::::::::${PRIMARY}:`,
    ].join('\n');
    assert.equal(signingFingerprint(signingPrimary), PRIMARY);
  });

  it('skips revoked, expired and encrypt-only keys', () => {
    const listing = [
      `sec:r:255:22:1111111111111111:1700000000:::u:::scSC:::+:::ed25519:::0:`,
      `fpr:::::::::${PRIMARY}:`,
      `ssb:e:255:22:2222222222222222:1700000000::::::s:::+:::ed25519::`,
      `fpr:::::::::${SUBKEY}:`,
      `ssb:u:255:18:3333333333333333:1700000000::::::e:::+:::cv25519::`,
      `fpr:::::::::${'C'.repeat(40)}:`,
    ].join('\n');
    assert.equal(signingFingerprint(listing), undefined);
  });

  it('puts the signature in a gpgsig header after the others, continuation lines indented', () => {
    const payload =
      'tree t\nparent p\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\n\nUpdate images\n\nbody\n';
    const signature = '-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n';
    assert.equal(
      withSignature(payload, signature),
      'tree t\nparent p\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\n' +
        'gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n' +
        '\nUpdate images\n\nbody\n',
    );
  });
});
