import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { intendedAction, keepsOthersEdits } from '../../../src/apply/apply-objects.js';
import type { ValidatedObject } from '../../../src/apply/types.js';
import type { ObjectOptions, PlannedObject } from '../../../src/plan/types.js';

const options: ObjectOptions = {
  prune: true,
  replace: false,
  recreateOnImmutable: false,
  createOnly: false,
  ignore: false,
  force: false,
  drift: 'enforce',
  skipDryRunOnMissingResource: false,
};
const live = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'merged', namespace: 'web' } };

function validated(extra: Partial<ValidatedObject> = {}, opts: Partial<ObjectOptions> = {}): ValidatedObject {
  return {
    planned: { id: 'web_merged__ConfigMap', object: live, options: { ...options, ...opts } } as PlannedObject,
    live,
    diff: { action: 'change', changes: [], drift: [] },
    ...extra,
  };
}

describe('intendedAction: one rule for a full sync and a heal', () => {
  it('ssa: Merge keeps an object whose apply would force fields a kubectl-style manager changed', () => {
    const merge = { mergeWithOtherManagers: true };
    assert.equal(intendedAction(validated({ force: true }, merge)), 'unchanged');
    assert.equal(keepsOthersEdits(validated({ force: true }, merge)), true);
    // Without the annotation the same edit is taken back (Git wins over hand edits).
    assert.equal(intendedAction(validated({ force: true })), 'configured');
    // A change no other manager touched (no force needed) is applied as usual.
    assert.equal(intendedAction(validated({ force: false }, merge)), 'configured');
    // mooring.dev/force asks to take the fields anyway.
    assert.equal(intendedAction(validated({ force: true }, { ...merge, force: true })), 'configured');
    // A missing object is created; an immutable change that opts into recreate is recreated.
    assert.equal(intendedAction(validated({ force: true, live: undefined }, merge)), 'created');
    assert.equal(intendedAction(validated({ force: true, recreate: true }, merge)), 'recreated');
  });
});
