import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Application, ApplicationStatus } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import { decide, holdOf, newAppState, pickTrigger, takePending } from '../../../src/controller/decide.js';
import type { AppState, Pending } from '../../../src/controller/decide.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');

function app(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Application {
  return parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'apps', generation: 1, ...metadata },
    spec: {
      source: { repoURL: 'https://git.example/r.git', ref: { branch: 'main' } },
      destination: { namespace: 'web' },
      ...spec,
    },
  });
}

const planned = { id: 'web_settings__ConfigMap' } as PlannedObject;

/** A state whose last sync succeeded at generation 1 with one planned object. */
function synced(a: Application = app()): AppState {
  const state = newAppState(a, 'apps_web');
  state.memory.generation = 1;
  state.memory.commit = 'abc';
  state.memory.planned.set(planned.id, planned);
  state.nextPollAt = NOW + 60_000;
  return state;
}

const pending = (extra: Partial<Pending> = {}): Pending => ({
  triggers: new Set(),
  drifted: new Set(),
  healthChanged: false,
  unpin: false,
  ...extra,
});

describe('decide', () => {
  it('finalizes a deleted app and does nothing for a suspended one', () => {
    const deleting = synced(app({}, { deletionTimestamp: '2026-12-01T00:00:00Z' }));
    assert.deepEqual(decide(deleting, pending({ triggers: new Set(['poll']) }), [], NOW), {
      kind: 'finalize',
    });
    const suspended = synced(app({ suspend: true }));
    assert.deepEqual(decide(suspended, pending({ triggers: new Set(['manual']) }), [], NOW), {
      kind: 'suspended',
    });
  });

  it('waits for a dependency that is missing or not Ready, and goes on once it is', () => {
    const state = synced(app({ dependsOn: [{ name: 'db' }] }));
    const missing = decide(state, pending({ triggers: new Set(['poll']) }), [{ name: 'db' }], NOW);
    assert.equal(missing.kind, 'wait-dependency');
    assert.match(missing.message, /db \(not found\)/);
    const notReady = decide(
      state,
      pending({ triggers: new Set(['poll']) }),
      [{ name: 'db', ready: { status: 'False', message: 'Progressing' } }],
      NOW,
    );
    assert.match(notReady.kind === 'wait-dependency' ? notReady.message : '', /db \(Progressing\)/);
    const ready = decide(
      state,
      pending({ triggers: new Set(['dependency']) }),
      [{ name: 'db', ready: { status: 'True', message: '' } }],
      NOW,
    );
    assert.deepEqual(ready, { kind: 'reconcile', trigger: 'dependency', unpin: false });
  });

  it('only refreshes status for a health change before the poll is due, and reconciles once it is due', () => {
    const state = synced();
    assert.deepEqual(decide(state, pending({ healthChanged: true }), [], NOW), { kind: 'refresh-health' });
    // The clock is injected: the same turn after the poll time is a full reconcile.
    assert.deepEqual(decide(state, pending({ healthChanged: true }), [], NOW + 60_001), {
      kind: 'reconcile',
      trigger: 'poll',
      unpin: false,
    });
    // An app that failed last time is reconciled, not only refreshed.
    state.memory.failures = 1;
    assert.equal(decide(state, pending({ healthChanged: true }), [], NOW).kind, 'reconcile');
  });

  it('heals drift only with a plan known for the current generation', () => {
    const state = synced();
    const drifted = new Set([planned.id]);
    assert.deepEqual(decide(state, pending({ triggers: new Set(['drift']), drifted }), [], NOW), {
      kind: 'heal',
      ids: drifted,
    });
    const changedSpec = synced(app({}, { generation: 2 }));
    assert.equal(
      decide(changedSpec, pending({ triggers: new Set(['drift']), drifted }), [], NOW).kind,
      'reconcile',
    );
    const neverSynced = newAppState(app(), 'apps_web');
    assert.equal(
      decide(neverSynced, pending({ triggers: new Set(['drift']), drifted }), [], NOW).kind,
      'reconcile',
    );
    // Drift together with another trigger: the full reconcile covers it.
    assert.deepEqual(decide(state, pending({ triggers: new Set(['drift', 'webhook']), drifted }), [], NOW), {
      kind: 'reconcile',
      trigger: 'webhook',
      unpin: false,
    });
  });

  it('carries a rollback and an unpin into the reconcile', () => {
    const state = synced();
    assert.deepEqual(
      decide(
        state,
        pending({ triggers: new Set(['rollback']), rollbackTo: 'previous', unpin: true }),
        [],
        NOW,
      ),
      { kind: 'reconcile', trigger: 'rollback', rollbackTo: 'previous', unpin: true },
    );
  });

  it('names the trigger a person would ask about', () => {
    assert.equal(pickTrigger(new Set(['poll', 'drift', 'manual'])), 'manual');
    assert.equal(pickTrigger(new Set(['poll', 'spec'])), 'spec');
    assert.equal(pickTrigger(new Set()), 'poll');
  });

  it('takes the pending triggers out of the state, so each is acted on once', () => {
    const state = synced();
    state.triggers.add('webhook');
    state.drifted.add(planned.id);
    state.healthChanged = true;
    state.rollbackTo = 'abc';
    state.unpinRequested = true;
    const taken = takePending(state);
    assert.deepEqual([...taken.triggers], ['webhook']);
    assert.equal(taken.rollbackTo, 'abc');
    assert.equal(taken.unpin, true);
    const again = takePending(state);
    assert.deepEqual(
      [again.triggers.size, again.drifted.size, again.healthChanged, again.rollbackTo, again.unpin],
      [0, 0, false, undefined, false],
    );
  });
});

describe('holdOf: whether a fetched commit is synced', () => {
  const base = (memory: Partial<AppState['memory']> = {}, status?: ApplicationStatus) => ({
    memory: {
      planned: new Map(),
      outOfSync: new Map(),
      failures: 0,
      generation: 1,
      commit: 'c1',
      treeHash: 't1',
      ...memory,
    },
    status,
    commit: 'c1',
    treeHash: 't1',
    generation: 1,
    projectVersion: '7',
  });

  it('an unchanged poll or webhook is unchanged; a manual sync, a spec change or a failure to retry is not', () => {
    assert.equal(holdOf({ ...base(), trigger: 'poll' }), 'unchanged');
    assert.equal(holdOf({ ...base(), trigger: 'webhook' }), 'unchanged');
    assert.equal(holdOf({ ...base(), trigger: 'manual' }), undefined);
    assert.equal(holdOf({ ...base(), trigger: 'spec' }), undefined);
    assert.equal(holdOf({ ...base({ failures: 2 }), trigger: 'poll' }), undefined);
    assert.equal(holdOf({ ...base(), treeHash: 't2', trigger: 'poll' }), undefined);
    assert.equal(holdOf({ ...base(), generation: 2, trigger: 'poll' }), undefined);
  });

  it('a stalled commit is held (not "unchanged": a rebuild without its failure would clear Stalled)', () => {
    const stalled = base({ stalledCommit: 'c1', stalledProject: '7' });
    assert.equal(holdOf({ ...stalled, trigger: 'poll' }), 'stalled');
    assert.equal(holdOf({ ...stalled, trigger: 'manual' }), undefined, 'a manual sync retries it');
    assert.equal(
      holdOf({ ...stalled, projectVersion: '8', trigger: 'spec' }),
      undefined,
      'a changed Project',
    );
    assert.equal(holdOf({ ...stalled, commit: 'c2', trigger: 'poll' }), undefined, 'a new commit');
  });

  it('a rolled-back commit is never applied again automatically, unless pinned or asked for by hand', () => {
    const rolledBack = base({ commit: 'c0' }, { rolledBackRevision: 'c1' });
    assert.equal(holdOf({ ...rolledBack, trigger: 'poll' }), 'rolled-back');
    assert.equal(holdOf({ ...rolledBack, trigger: 'webhook' }), 'rolled-back');
    assert.equal(holdOf({ ...rolledBack, trigger: 'manual' }), undefined);
    assert.equal(holdOf({ ...rolledBack, commit: 'c2', trigger: 'poll' }), undefined, 'a newer commit');
    const pinned = base(
      { commit: 'c0' },
      { rolledBackRevision: 'c1', sync: { status: 'Synced', pinnedRevision: 'c1' } },
    );
    assert.equal(holdOf({ ...pinned, trigger: 'poll' }), undefined, 'a pin applies what it names');
  });
});
