import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ObjectOutcome } from '../../../src/apply/types.js';
import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import type { SyncResult } from '../../../src/engine/types.js';
import type { AppMemory, StatusWrite } from '../../../src/controller/reconciler.js';
import {
  failureReport,
  fieldsReport,
  healReport,
  refreshReport,
  statusSink,
  syncReport,
} from '../../../src/controller/report.js';
import type { PlannedObject } from '../../../src/plan/types.js';
import type { ResolvedSource } from '../../../src/source/types.js';

const app: Application = parseApplication({
  apiVersion: 'mooring.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'apps', uid: 'u1' },
  spec: {
    source: { repoURL: 'https://git.example/r.git', ref: { branch: 'main' } },
    destination: { namespace: 'web' },
  },
});
const memory = (): AppMemory => ({ planned: new Map(), outOfSync: new Map(), failures: 0, commit: 'c0ffee' });
const sha = '0123456789abcdef0123456789abcdef01234567';
const fetched = {
  commit: { sha, authorName: 'A', authorEmail: 'a@example.org', subject: 'change' },
} as unknown as ResolvedSource;
const outcome = (action: ObjectOutcome['action'], subject = 'ConfigMap/web/settings'): ObjectOutcome => ({
  subject,
  id: subject,
  action,
  phase: 'Sync',
  wave: 0,
});
const result = (outcomes: ObjectOutcome[], extra: Partial<SyncResult> = {}): SyncResult => ({
  appName: 'web',
  dryRun: false,
  outcomes,
  validated: [],
  inventory: [],
  warnings: [],
  stats: { requests: {}, writes: 0, durationMs: 0 },
  ...extra,
});
const times = { startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:00:01.000Z' };

describe('reconcile reports', () => {
  it('an unchanged poll keeps no record and sends no Event, but status still says when it synced', () => {
    const report = syncReport({
      app,
      memory: memory(),
      trigger: 'poll',
      fetched,
      result: result([outcome('unchanged')]),
      ...times,
    });
    assert.equal(report.record, undefined);
    assert.deepEqual(report.events, []);
    assert.equal(report.status.lastSync?.revision, sha);
    assert.equal(report.status.lastSync.result, 'Succeeded');
  });

  it('a change, a failure or a manual sync is recorded with one Event naming the short commit', () => {
    const changed = syncReport({
      app,
      memory: memory(),
      trigger: 'webhook',
      fetched,
      result: result([outcome('configured')]),
      ...times,
    });
    assert.equal(changed.record?.result, 'Succeeded');
    assert.deepEqual(changed.events, [
      { type: 'Normal', reason: 'Synced', message: `0123456789ab: configured ConfigMap/web/settings` },
    ]);
    const failed = syncReport({
      app,
      memory: memory(),
      trigger: 'poll',
      fetched,
      result: result([], { error: { step: 'apply', retry: 'transient', message: 'webhook down' } }),
      ...times,
    });
    assert.equal(failed.record?.result, 'Failed');
    assert.equal(failed.events[0]?.reason, 'SyncFailed');
    assert.equal(failed.events[0].type, 'Warning');
    const manual = syncReport({
      app,
      memory: memory(),
      trigger: 'manual',
      fetched,
      result: result([outcome('unchanged')]),
      ...times,
    });
    assert.equal(manual.record?.trigger, 'manual');
    assert.match(manual.events[0]?.message ?? '', /no changes/);
  });

  it('a dry run (manual-sync app) records nothing and leaves lastSync alone', () => {
    const report = syncReport({
      app,
      memory: memory(),
      trigger: 'poll',
      fetched,
      result: result([outcome('configured')], { dryRun: true }),
      ...times,
    });
    assert.equal(report.record, undefined);
    assert.equal(report.status.lastSync, undefined);
  });

  it('a heal records only what changed, at the remembered commit, and tells each object in an Event', () => {
    const report = healReport({
      app,
      memory: memory(),
      outcomes: [
        outcome('configured', 'ConfigMap/web/a'),
        outcome('unchanged', 'ConfigMap/web/b'),
        outcome('failed', 'ConfigMap/web/c'),
      ],
      ...times,
    });
    assert.equal(report.record?.revision, 'c0ffee');
    assert.equal(report.record.result, 'Failed');
    assert.deepEqual(
      report.record.outcomes.map((o) => o.subject),
      ['ConfigMap/web/a', 'ConfigMap/web/c'],
    );
    assert.deepEqual(
      report.events.map((e) => e.reason),
      ['DriftCorrected', 'DriftDetected', 'DriftNotCorrected'],
    );
  });

  it('the status sink names the SyncRecord the record sink wrote', async () => {
    const report = syncReport({
      app,
      memory: memory(),
      trigger: 'webhook',
      fetched,
      result: result([outcome('created')]),
      ...times,
    });
    report.recordName = 'web-20261201000000-ab12';
    const writes: StatusWrite[] = [];
    await statusSink((_app, _memory, input) => {
      writes.push(input);
      return Promise.resolve(undefined);
    })(report);
    assert.equal(writes.length, 1, 'one status write per reconcile');
    assert.equal(writes[0]?.lastSync?.syncRecord, 'web-20261201000000-ab12');
  });
});

describe('reports of turns that do not run the engine', () => {
  const planned = { id: 'web_settings__ConfigMap' } as PlannedObject;
  const remembered = (): AppMemory => ({ ...memory(), planned: new Map([[planned.id, planned]]) });

  it('a refusal, a failure, a hold or a wait rebuilds status with its failure and the remembered plan', () => {
    const failure = { step: 'source' as const, retry: 'transient' as const, message: 'fetch failed' };
    const report = failureReport({
      kind: 'failure',
      app,
      memory: remembered(),
      trigger: 'poll',
      failure,
      event: { type: 'Warning', reason: 'SourceFailed', message: 'fetch failed' },
    });
    assert.equal(report.kind, 'failure');
    assert.deepEqual(report.failure, failure);
    assert.deepEqual(report.status, { failure, planned: [planned] });
    assert.deepEqual(report.events, [{ type: 'Warning', reason: 'SourceFailed', message: 'fetch failed' }]);
    const quiet = failureReport({ kind: 'refusal', app, memory: remembered(), trigger: 'poll', failure });
    assert.deepEqual(quiet.events, [], 'no Event unless the caller says the reason is new');
  });

  it('a request or an intent sets status fields alone; an unchanged poll or a health signal rebuilds status', () => {
    const request = fieldsReport({
      kind: 'request',
      app,
      memory: memory(),
      trigger: 'rollback',
      fields: { pinnedRevision: null },
      request: { kind: 'unpin' },
    });
    assert.deepEqual(request.status, { planned: [], fields: { pinnedRevision: null } });
    assert.deepEqual(request.request, { kind: 'unpin' });
    for (const kind of ['unchanged', 'health'] as const) {
      const refresh = refreshReport({ kind, app, memory: remembered(), trigger: 'poll' });
      assert.equal(refresh.kind, kind);
      assert.deepEqual(refresh.status, { planned: [planned] });
      assert.equal(refresh.status.fields, undefined);
    }
  });

  it('the status sink hands the health before and after to the sinks that follow it', async () => {
    const report = refreshReport({ kind: 'health', app, memory: remembered(), trigger: 'poll' });
    const change = {
      before: { status: 'Progressing', message: 'Progressing: Deployment/web/api (0/1 ready)' },
      after: { status: 'Healthy', message: '' },
    };
    await statusSink(() => Promise.resolve(change))(report);
    assert.deepEqual(report.health, change);
  });
});
