import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { driftModeOf, intervalMs, refOfSpec, retryDelayMs } from '../../../src/app/spec.js';
import type { ApplicationSpec, ApplicationSpecInput } from '../../../src/app/model.js';
import { applicationSpecSchema } from '../../../src/crd/application.js';
import { othersSignature } from '../../../src/controller/live-cache.js';
import { syncRecordFor } from '../../../src/controller/records.js';
import { parseSyncRecord, SYNC_TRIGGERS } from '../../../src/crd/syncrecord.js';
import { buildStatus, setCondition, summarise } from '../../../src/controller/status.js';
import type { KubeObject } from '../../../src/core/objects.js';
import type { PlannedObject } from '../../../src/plan/types.js';

/** A spec as the controller sees it: parsed, every default filled in. */
const spec = (extra: Partial<ApplicationSpecInput> = {}): ApplicationSpec =>
  applicationSpecSchema.parse({
    source: { repoURL: 'https://git.example/r.git', ref: { branch: 'main' }, path: 'apps/web' },
    destination: { namespace: 'web' },
    ...extra,
  });

const planned = (kind: string, name: string): PlannedObject => ({
  object: { apiVersion: 'v1', kind, metadata: { name, namespace: 'web' } },
  ref: { group: '', kind, namespace: 'web', name },
  id: `web_${name}__${kind}`,
  phase: 'Sync',
  wave: 0,
  options: {
    prune: true,
    replace: false,
    recreateOnImmutable: false,
    createOnly: false,
    ignore: false,
    force: false,
    drift: 'enforce',
    skipDryRunOnMissingResource: false,
  },
});

describe('application spec', () => {
  it('reads the one ref, the interval and the drift mode', () => {
    assert.deepEqual(refOfSpec(spec()), { branch: 'main' });
    assert.equal(intervalMs(spec()), 180_000);
    assert.equal(intervalMs(spec({ interval: '30s' })), 30_000);
    assert.equal(intervalMs(spec({ interval: '2h' })), 7_200_000);
    assert.equal(driftModeOf(spec()), 'enforce');
    assert.equal(driftModeOf(spec({ syncPolicy: { selfHeal: false } })), 'warn');
    assert.equal(driftModeOf(spec({ syncPolicy: { selfHeal: false, driftMode: 'enforce' } })), 'enforce');
  });
});

describe('retries', () => {
  it('follow spec.syncPolicy.retry, then wait for the next poll', () => {
    const retry = spec({
      syncPolicy: { retry: { limit: 3, backoff: { duration: '2s', factor: 3, maxDuration: '10s' } } },
    });
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(retry, n)),
      [2_000, 6_000, 10_000, undefined],
    );
    assert.deepEqual(
      [1, 2, 6].map((n) => retryDelayMs(spec(), n)),
      [5_000, 10_000, undefined],
    );
  });
});

describe('status', () => {
  it('keeps lastTransitionTime while a condition does not change', () => {
    const first = setCondition([], { type: 'Ready', status: 'True', reason: 'Ready', message: '' }, 't1');
    const same = setCondition(first, { type: 'Ready', status: 'True', reason: 'Ready', message: 'x' }, 't2');
    const flipped = setCondition(
      same,
      { type: 'Ready', status: 'False', reason: 'NotReady', message: '' },
      't3',
    );
    assert.equal(same[0]?.lastTransitionTime, 't1');
    assert.equal(flipped[0]?.lastTransitionTime, 't3');
  });

  it('answers "why is this not synced?" with step, object, commit, message and hint', () => {
    const sentence = summarise(
      undefined,
      {
        step: 'validate',
        subject: 'Deployment/web/web',
        message: 'spec.replicas: Invalid value: -1',
        hint: 'fix the manifest in Git',
      },
      { status: 'Healthy', message: '' },
      'abcdef1234567890',
    );
    assert.equal(
      sentence,
      'Not synced: validate failed (Deployment/web/web) at commit abcdef123456: spec.replicas: Invalid value: -1. Hint: fix the manifest in Git',
    );
  });

  it('marks a terminal failure Stalled and not Ready, and lists resources with health', () => {
    const objects = [planned('ConfigMap', 'a'), planned('Service', 'b')];
    const health = new Map([
      [objects[0]?.id ?? '', { status: 'Healthy' as const, message: '' }],
      [objects[1]?.id ?? '', { status: 'Progressing' as const, message: 'waiting for load balancer' }],
    ]);
    const status = buildStatus({
      previous: undefined,
      generation: 3,
      failure: { step: 'render', message: 'bad yaml' },
      planned: objects,
      health,
      outOfSync: new Map(),
      revision: 'abc',
      now: 'T',
    });
    const cond = (type: string) => status.conditions?.find((c) => c.type === type)?.status;
    assert.equal(cond('Stalled'), 'True');
    assert.equal(cond('Ready'), 'False');
    assert.equal(cond('Synced'), 'False');
    assert.equal(status.health?.status, 'Progressing');
    assert.equal(status.sync?.status, 'OutOfSync');
    assert.deepEqual(
      status.resources?.map((r) => [r.kind, r.health]),
      [
        ['ConfigMap', 'Healthy'],
        ['Service', 'Progressing'],
      ],
    );
  });

  it('reports warn-mode drift as OutOfSync on that resource', () => {
    const obj = planned('ConfigMap', 'a');
    const status = buildStatus({
      previous: undefined,
      generation: 1,
      planned: [obj],
      health: new Map([[obj.id, { status: 'Healthy', message: '' }]]),
      outOfSync: new Map([
        [
          obj.id,
          {
            message: 'data.color changed by kubectl-patch',
            drift: [{ path: 'data.color', changedBy: [{ manager: 'kubectl-patch' }] }],
          },
        ],
      ]),
      revision: 'abc',
      now: 'T',
    });
    assert.equal(status.sync?.status, 'OutOfSync');
    assert.equal(status.resources?.[0]?.sync, 'OutOfSync');
    assert.equal(status.resources[0].message, 'data.color changed by kubectl-patch');
    // The one sentence agrees with sync.status (it said "Synced ...; all objects healthy." before).
    assert.match(status.summary ?? '', /^Out of sync at commit abc: ConfigMap\/web\/a differ from Git/);
    assert.doesNotMatch(status.summary ?? '', /^Synced/);
  });
});

describe('status after a failed sync of a new commit', () => {
  const LIVE = '552655c0aa11bb22cc33dd44ee55ff6677889900';
  const TARGET = 'a42f383f0aa11bb22cc33dd44ee55ff667788990';
  const obj = planned('ConfigMap', 'settings');
  const base = {
    generation: 2,
    planned: [obj],
    health: new Map([[obj.id, { status: 'Healthy' as const, message: '' }]]),
    outOfSync: new Map(),
    now: 'T',
  };

  it('shows both revisions: the one live and the one that failed', () => {
    const synced = buildStatus({ ...base, previous: undefined, revision: LIVE });
    assert.equal(synced.sync?.syncedRevision, LIVE);
    const failed = buildStatus({
      ...base,
      previous: synced,
      revision: TARGET,
      failure: { step: 'validate', subject: 'ConfigMap/web/settings', message: 'data: Invalid value' },
    });
    assert.equal(failed.sync?.revision, TARGET);
    assert.equal(failed.sync.syncedRevision, LIVE, 'the cluster is still at the last synced commit');
    assert.equal(
      failed.summary,
      'Not synced: live at 552655c0aa11 (synced), target a42f383f0aa1 failed: validate failed (ConfigMap/web/settings): data: Invalid value.',
    );
    const again = buildStatus({
      ...base,
      previous: failed,
      revision: TARGET,
      failure: { step: 'validate', message: 'still invalid' },
    });
    assert.equal(again.sync?.syncedRevision, LIVE, 'kept over several failed reconciles');
    const fixed = buildStatus({ ...base, previous: again, revision: TARGET });
    assert.equal(fixed.sync?.syncedRevision, TARGET);
    assert.equal(fixed.summary, 'Synced at commit a42f383f0aa1; all objects healthy.');
  });

  it('names one revision when the failed commit is the live one, or none was ever synced', () => {
    const first = buildStatus({
      ...base,
      previous: undefined,
      revision: TARGET,
      failure: { step: 'render', message: 'bad yaml' },
    });
    assert.equal(first.sync?.syncedRevision, undefined);
    assert.equal(first.summary, 'Not synced: render failed at commit a42f383f0aa1: bad yaml.');
    const waited = buildStatus({
      ...base,
      previous: first,
      revision: TARGET,
      failure: { step: 'wait', message: 'web did not become healthy' },
    });
    assert.equal(waited.sync?.syncedRevision, TARGET, 'a failed wait comes after everything was applied');
  });
});

describe('drift signals', () => {
  const withFields = (entries: object[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', managedFields: entries },
  });
  it('ignores Mooring and status writers, sees everyone else (even without a time)', () => {
    const mine = withFields([{ manager: 'mooring', operation: 'Apply', time: 'T1' }]);
    const mineLater = withFields([
      { manager: 'mooring', operation: 'Apply', time: 'T2' },
      { manager: 'kcm', operation: 'Update', subresource: 'status', time: 'T2' },
    ]);
    const scaled = withFields([
      { manager: 'mooring', operation: 'Apply', time: 'T1' },
      { manager: 'kubectl', operation: 'Update', subresource: 'scale' },
    ]);
    assert.equal(othersSignature(mine), othersSignature(mineLater));
    assert.notEqual(othersSignature(mine), othersSignature(scaled));
  });
});

describe('sync records', () => {
  it('are valid SyncRecords for every trigger the controller uses, spec changes included', () => {
    for (const trigger of [...SYNC_TRIGGERS, 'spec'] as const) {
      const record = syncRecordFor({
        app: {
          apiVersion: 'mooring.dev/v1alpha1',
          kind: 'Application',
          metadata: { name: 'web', namespace: 'ms', uid: 'u1' },
          spec: spec(),
        },
        trigger,
        startedAt: '2026-11-22T00:00:00.000Z',
        finishedAt: '2026-11-22T00:00:01.000Z',
        revision: 'abc',
        result: 'Succeeded',
        message: 'ok',
        outcomes: [],
      });
      assert.doesNotThrow(() => parseSyncRecord(record), trigger);
    }
  });

  it('summarises outcomes and stays within the schema limits', () => {
    const record = syncRecordFor({
      app: {
        apiVersion: 'mooring.dev/v1alpha1',
        kind: 'Application',
        metadata: { name: 'web', namespace: 'ms', uid: 'u1' },
        spec: spec(),
      },
      trigger: 'drift',
      startedAt: '2026-11-22T00:00:00.000Z',
      finishedAt: '2026-11-22T00:00:01.000Z',
      result: 'Succeeded',
      message: 'x'.repeat(5000),
      outcomes: [
        {
          subject: 'Deployment/web/web',
          id: 'i',
          action: 'configured',
          phase: 'Sync',
          wave: 0,
          drift: [{ path: 'spec.replicas', changedBy: [{ manager: 'kubectl', operation: 'Update' }] }],
        },
        { subject: 'ConfigMap/web/a', id: 'j', action: 'unchanged', phase: 'Sync', wave: 0 },
      ],
    });
    const s = record.spec as {
      message: string;
      revision: string;
      diffSummary: Record<string, number>;
      objects: { drift?: unknown[] }[];
    };
    assert.equal(s.message.length, 1024);
    assert.equal(s.revision, '');
    assert.deepEqual(s.diffSummary, { created: 0, configured: 1, pruned: 0, unchanged: 1, failed: 0 });
    assert.deepEqual(s.objects[0]?.drift, [
      { path: 'spec.replicas', changedBy: [{ manager: 'kubectl', operation: 'Update' }] },
    ]);
    assert.equal((record.metadata.ownerReferences as { uid: string }[])[0]?.uid, 'u1');
  });
});
