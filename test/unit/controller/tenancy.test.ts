import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { trackingNameOf } from '../../../src/controller/tenancy.js';
import { validateAppName } from '../../../src/plan/tracking.js';

describe('trackingNameOf', () => {
  it('keeps the bare name in the controller namespace (existing installs keep their objects)', () => {
    assert.equal(
      trackingNameOf({ metadata: { name: 'web', namespace: 'mooring-system' } }, 'mooring-system'),
      'web',
    );
  });

  it('qualifies Applications in other namespaces as <namespace>_<name>, a valid label value', () => {
    const a = trackingNameOf({ metadata: { name: 'web', namespace: 'team-a' } }, 'mooring-system');
    const b = trackingNameOf({ metadata: { name: 'web', namespace: 'team-b' } }, 'mooring-system');
    assert.equal(a, 'team-a_web');
    assert.notEqual(a, b);
    validateAppName(a);
  });

  it('cannot make two apps collide: "_" is in no namespace or Application name', () => {
    const one = trackingNameOf({ metadata: { name: 'b-c', namespace: 'a' } }, 'mooring-system');
    const two = trackingNameOf({ metadata: { name: 'c', namespace: 'a-b' } }, 'mooring-system');
    assert.notEqual(one, two);
  });
});
