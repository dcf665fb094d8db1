import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ObjectOutcome } from '../../../src/apply/types.js';
import { isSettled, settledAfter } from '../../../src/controller/reconciler.js';
import type { KubeObject } from '../../../src/core/objects.js';
import type { SyncResult } from '../../../src/engine/types.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const planned = (name: string, extra: Partial<PlannedObject> = {}): PlannedObject =>
  ({
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web' }, data: { v: name } },
    ref: { group: '', kind: 'ConfigMap', namespace: 'web', name },
    id: `web_${name}__ConfigMap`,
    phase: 'Sync',
    wave: 0,
    options: {},
    ...extra,
  }) as PlannedObject;

const outcome = (p: PlannedObject, action: ObjectOutcome['action']): ObjectOutcome => ({
  subject: `ConfigMap/web/${p.ref.name}`,
  id: p.id,
  action,
  phase: 'Sync',
  wave: 0,
});

const result = (
  plan: PlannedObject[],
  outcomes: ObjectOutcome[],
  extra: Partial<SyncResult> = {},
): SyncResult => ({
  appName: 'web',
  dryRun: false,
  outcomes,
  validated: [],
  inventory: [],
  warnings: [],
  planned: plan,
  stats: { requests: {}, writes: 0, hookWrites: 0, durationMs: 0 },
  ...extra,
});

describe('settledAfter: what a later sync may take as unchanged without a dry-run', () => {
  it('keeps the manifest and start time of every object a successful sync applied or found unchanged', () => {
    const a = planned('a');
    const b = planned('b');
    const c = planned('c');
    const settled = settledAfter(
      result([a, b, c], [outcome(a, 'created'), outcome(b, 'unchanged'), outcome(c, 'configured')]),
      1000,
    );
    assert.deepEqual([...(settled?.keys() ?? [])].sort(), [a.id, b.id, c.id].sort());
    assert.deepEqual(settled?.get(a.id), { manifest: JSON.stringify(a.object), since: 1000 });
  });

  it('keeps nothing after a failed sync or a dry run', () => {
    const a = planned('a');
    const failed = result([a], [outcome(a, 'configured')], {
      error: { step: 'apply', retry: 'transient', message: 'boom' },
    });
    assert.equal(settledAfter(failed, 1), undefined);
    assert.equal(settledAfter(result([a], [outcome(a, 'configured')], { dryRun: true }), 1), undefined);
  });

  it('leaves out hooks, skipped objects and objects without an outcome', () => {
    const hook = planned('hook', { hookDeletePolicies: ['BeforeHookCreation'], phase: 'PreSync' });
    const ignored = planned('ignored');
    const silent = planned('silent');
    const settled = settledAfter(
      result([hook, ignored, silent], [outcome(hook, 'created'), outcome(ignored, 'skipped')]),
      1,
    );
    assert.equal(settled?.size, 0);
  });
});

describe('isSettled: an object whose dry-run a sync may skip', () => {
  const p = planned('a');
  const live: KubeObject = { ...p.object, metadata: { ...p.object.metadata, resourceVersion: '7' } };
  const last = { manifest: JSON.stringify(p.object), since: 1000 };
  const cache = (
    over: { cached?: KubeObject | undefined; watchedSince?: number | undefined; driftAt?: number } = {},
  ) => ({
    get: (id: string) => (id === p.id ? ('cached' in over ? over.cached : live) : undefined),
    lastDriftAt: () => over.driftAt,
    watchedSince: () => ('watchedSince' in over ? over.watchedSince : 500),
  });

  it('is true for the cached object, watched since before the last sync, same manifest, no drift', () => {
    assert.equal(isSettled(p, live, last, cache(), false), true);
    assert.equal(isSettled(p, live, last, cache({ driftAt: 999 }), false), true);
  });

  it('is false after a change by someone else at or after the last sync read live state', () => {
    assert.equal(isSettled(p, live, last, cache({ driftAt: 1000 }), false), false);
    assert.equal(isSettled(p, live, last, cache({ driftAt: 5000 }), false), false);
  });

  it('is false when the watch of the kind was not listed before that sync (a change could be unseen)', () => {
    assert.equal(isSettled(p, live, last, cache({ watchedSince: undefined }), false), false);
    assert.equal(isSettled(p, live, last, cache({ watchedSince: 1001 }), false), false);
  });

  it('is false for an object read from the API rather than the cache, or no longer cached', () => {
    assert.equal(isSettled(p, { ...live }, last, cache(), false), false);
    assert.equal(isSettled(p, live, last, cache({ cached: undefined }), false), false);
  });

  it('is false for a changed manifest, an out-of-sync object, one being deleted, or one never settled', () => {
    const changed = planned('a', {
      object: { ...p.object, data: { v: 'other' } },
    });
    assert.equal(isSettled(changed, live, last, cache(), false), false);
    assert.equal(isSettled(p, live, last, cache(), true), false);
    const deleting = { ...live, metadata: { ...live.metadata, deletionTimestamp: 'now' } };
    assert.equal(isSettled(p, deleting, last, cache({ cached: deleting }), false), false);
    assert.equal(isSettled(p, live, undefined, cache(), false), false);
  });
});
