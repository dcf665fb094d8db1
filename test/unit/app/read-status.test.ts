import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readStatus } from '../../../src/app/model.js';

const object = (status: unknown) => ({
  apiVersion: 'mooring.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'apps' },
  status,
});

describe('readStatus: an Application status from the API server, parsed', () => {
  it('keeps a valid status as the schema reads it', () => {
    const status = readStatus(
      object({
        sync: { status: 'Synced', revision: 'abc', pinnedRevision: 'abc' },
        health: { status: 'Healthy' },
      }),
    );
    assert.equal(status?.sync?.pinnedRevision, 'abc');
    assert.equal(status.health?.status, 'Healthy');
  });

  it('refuses what is not a status (no cast lets a wrong shape through)', () => {
    assert.equal(readStatus(object({ sync: { status: 'Sideways' } })), undefined);
    assert.equal(readStatus(object({ health: 'Healthy' })), undefined);
    assert.equal(readStatus(object('a string')), undefined);
    assert.equal(readStatus(object(undefined)), undefined);
    assert.equal(readStatus(undefined), undefined);
  });
});
