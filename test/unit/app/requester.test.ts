import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  REQUESTED_BY_ANNOTATION,
  requesterOf,
  rollbackRequestPatch,
  SYNC_REQUEST_ANNOTATION,
  syncRequestPatch,
  withRequester,
} from '../../../src/app/protocol.js';
import type { KubeObject } from '../../../src/core/objects.js';

const withAnnotations = (annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'mooring.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'a', annotations },
});

describe('who asked for a request', () => {
  const at = new Date('2026-12-01T03:00:00.000Z');

  it('names the API caller for the request it came with', () => {
    const app = withAnnotations(withRequester(syncRequestPatch(at), 'alice').metadata.annotations);
    assert.equal(requesterOf(app, 'manual'), 'alice');
    assert.equal(requesterOf(app, 'poll'), undefined, 'not for a sync the request did not cause');
    const rollback = withAnnotations(
      withRequester(rollbackRequestPatch('previous', at), 'bob').metadata.annotations,
    );
    assert.equal(requesterOf(rollback, 'rollback'), 'bob');
  });

  it('names nobody for a later request made without it (kubectl, the CLI)', () => {
    const api = withRequester(syncRequestPatch(at), 'alice').metadata.annotations;
    const later = withAnnotations({ ...api, [SYNC_REQUEST_ANNOTATION]: '2026-12-01T04:00:00.000Z' });
    assert.equal(requesterOf(later, 'manual'), undefined);
    assert.equal(
      requesterOf(withAnnotations({ [REQUESTED_BY_ANNOTATION]: 'not json' }), 'manual'),
      undefined,
    );
  });
});
