import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ObjectOutcome } from '../../../src/apply/types.js';
import type { KubeObject } from '../../../src/core/objects.js';
import {
  newestFirst,
  recordsBeyond,
  SYNC_RECORD_LIMITS,
  diffSummaryOf,
  fitSyncRecordSpec,
  parseSyncRecord,
  recordedObjectOf,
  syncRecordSpecSchema,
} from '../../../src/crd/syncrecord.js';
import { sampleRecordSpec } from './samples.js';

function outcome(action: ObjectOutcome['action'], subject = `ConfigMap/web/${action}`): ObjectOutcome {
  return { subject, id: `web_${action}__ConfigMap`, action, phase: 'Sync', wave: 0 };
}

describe('SyncRecord spec schema', () => {
  it('accepts a finished sync and keeps it as given', () => {
    assert.deepEqual(syncRecordSpecSchema.parse(sampleRecordSpec()), sampleRecordSpec());
  });

  it('refuses an unknown trigger, result or object action, and a missing finish time', () => {
    const bad: Record<string, unknown>[] = [
      { ...sampleRecordSpec(), trigger: 'cron' },
      { ...sampleRecordSpec(), result: 'Partial' },
      { ...sampleRecordSpec(), objects: [{ subject: 'x', action: 'deleted' }] },
      { ...sampleRecordSpec(), finishedAt: undefined },
      { ...sampleRecordSpec(), startedAt: 'yesterday' },
      { ...sampleRecordSpec(), application: 'Web App' },
    ];
    for (const spec of bad)
      assert.equal(syncRecordSpecSchema.safeParse(spec).success, false, JSON.stringify(spec));
  });

  it('parses a whole object and names it when invalid', () => {
    const obj = {
      apiVersion: 'mooring.dev/v1alpha1',
      kind: 'SyncRecord',
      metadata: { name: 'web-1', namespace: 'mooring-system' },
      spec: sampleRecordSpec(),
    };
    assert.equal(parseSyncRecord(obj).spec.trigger, 'webhook');
    assert.throws(() => parseSyncRecord({ ...obj, spec: { ...obj.spec, result: 'Maybe' } }), {
      message: /^SyncRecord\/mooring-system\/web-1 is invalid: spec\.result: /,
    });
  });
});

describe('SyncRecord helpers', () => {
  it('counts outcomes: recreated as configured, hook failures as failed, skipped and orphaned not at all', () => {
    const actions: ObjectOutcome['action'][] = [
      'created',
      'created',
      'configured',
      'recreated',
      'unchanged',
      'pruned',
      'failed',
      'hook-failed',
      'hook-succeeded',
      'skipped',
      'orphaned',
    ];
    assert.deepEqual(diffSummaryOf(actions.map((action) => outcome(action))), {
      created: 2,
      configured: 2,
      pruned: 1,
      unchanged: 1,
      failed: 2,
    });
  });

  it('records an outcome with its drift, and without empty fields', () => {
    const drifted: ObjectOutcome = {
      ...outcome('configured', 'Deployment/web/web'),
      drift: [{ path: 'spec.replicas', changedBy: [{ manager: 'kubectl-scale', operation: 'Update' }] }],
    };
    assert.deepEqual(recordedObjectOf(drifted), {
      subject: 'Deployment/web/web',
      action: 'configured',
      drift: [{ path: 'spec.replicas', changedBy: [{ manager: 'kubectl-scale', operation: 'Update' }] }],
    });
    assert.deepEqual(recordedObjectOf({ ...outcome('failed'), message: 'forbidden', drift: [] }), {
      subject: 'ConfigMap/web/failed',
      action: 'failed',
      message: 'forbidden',
    });
  });

  it('trims a huge sync to the limits, keeping the failed objects and counting the rest', () => {
    const objects = Array.from({ length: SYNC_RECORD_LIMITS.objects + 10 }, (_, i) => ({
      subject: `ConfigMap/web/c${i}`,
      action: i === SYNC_RECORD_LIMITS.objects + 5 ? ('failed' as const) : ('created' as const),
    }));
    const fitted = fitSyncRecordSpec({
      ...sampleRecordSpec(),
      message: 'x'.repeat(SYNC_RECORD_LIMITS.message + 100),
      objects,
    });
    assert.equal(fitted.objects?.length, SYNC_RECORD_LIMITS.objects);
    assert.equal((fitted.objects ?? []).at(0)?.action, 'failed');
    assert.equal(fitted.omittedObjects, 10);
    assert.equal(fitted.message?.length, SYNC_RECORD_LIMITS.message);
    assert.ok(syncRecordSpecSchema.safeParse(fitted).success);
  });

  it('leaves a spec within the limits unchanged', () => {
    assert.deepEqual(fitSyncRecordSpec(sampleRecordSpec()), sampleRecordSpec());
  });
});

describe('SyncRecord ordering and retention', () => {
  /** A record as the API server returns it: creationTimestamp in whole seconds, a random name suffix. */
  const record = (name: string, startedAt: string, created: string): KubeObject => ({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'SyncRecord',
    metadata: { name, namespace: 'apps', creationTimestamp: created },
    spec: { startedAt },
  });
  // Three syncs, two in the same second; the names sort the other way round from time.
  const first = record('web-20261201010000-zz99', '2026-12-01T01:00:00.100Z', '2026-12-01T01:00:00Z');
  const second = record('web-20261201010005-ffff', '2026-12-01T01:00:05.050Z', '2026-12-01T01:00:05Z');
  const third = record('web-20261201010005-0000', '2026-12-01T01:00:05.900Z', '2026-12-01T01:00:05Z');

  it('orders newest first by when the sync started, within a second too', () => {
    assert.deepEqual(
      newestFirst([second, first, third]).map((r) => r.metadata.name),
      [third, second, first].map((r) => r.metadata.name),
    );
  });

  it('deletes the oldest beyond the limit, never the newest', () => {
    assert.deepEqual(
      recordsBeyond([third, first, second], 2).map((r) => r.metadata.name),
      [first.metadata.name],
    );
    assert.deepEqual(
      recordsBeyond([third, first, second], 1).map((r) => r.metadata.name),
      [second, first].map((r) => r.metadata.name),
    );
    assert.deepEqual(recordsBeyond([first, second], 5), []);
  });

  it('falls back to creationTimestamp, then name, for records without a start time', () => {
    const older = { ...record('b', '', '2026-12-01T01:00:00Z'), spec: {} };
    const newer = { ...record('a', '', '2026-12-01T01:00:01Z'), spec: {} };
    assert.deepEqual(
      newestFirst([older, newer]).map((r) => r.metadata.name),
      ['a', 'b'],
    );
  });
});
