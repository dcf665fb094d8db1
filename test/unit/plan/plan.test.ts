import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { buildPlan } from '../../../src/plan/index.js';
import { manifest, planInput } from './fixtures.js';

describe('buildPlan', () => {
  it('leaves out skipped objects and says so', () => {
    const plan = buildPlan(
      planInput([
        manifest('v1', 'ConfigMap', 'kept'),
        manifest('v1', 'ConfigMap', 'skipped', 'shop', { 'argocd.argoproj.io/hook': 'Skip' }),
        manifest('v1', 'Pod', 'test', 'shop', { 'helm.sh/hook': 'test' }),
      ]),
    );
    assert.deepEqual(
      plan.objects.map((p) => p.ref.name),
      ['kept'],
    );
    assert.deepEqual(plan.warnings, [
      'ConfigMap/shop/skipped: argocd.argoproj.io/hook: Skip — the object is left out',
      'Pod/shop/test: helm.sh/hook: "test" is not a hook Mooring runs; the object is left out',
    ]);
  });

  it('names the object in annotation warnings, after namespace defaulting', () => {
    const plan = buildPlan(
      planInput([manifest('v1', 'ConfigMap', 'c', undefined, { 'mooring.dev/drift': 'loud' })]),
    );
    assert.deepEqual(plan.warnings, [
      'ConfigMap/shop/c: mooring.dev/drift: "loud" is not one of enforce, warn, ignore; ignored',
    ]);
  });

  it("gives objects the application's drift mode unless they set their own", () => {
    const plan = buildPlan(
      planInput(
        [
          manifest('v1', 'ConfigMap', 'a'),
          manifest('v1', 'ConfigMap', 'b', undefined, { 'mooring.dev/drift': 'enforce' }),
        ],
        { defaultDrift: 'warn' },
      ),
    );
    assert.deepEqual(
      plan.objects.map((p) => p.options.drift),
      ['warn', 'enforce'],
    );
  });

  it('marks hooks with delete policies and keeps them out of the inventory', () => {
    const plan = buildPlan(
      planInput([
        manifest('batch/v1', 'Job', 'migrate', undefined, {
          'helm.sh/hook': 'pre-upgrade',
          'helm.sh/hook-delete-policy': 'hook-succeeded',
        }),
        manifest('apps/v1', 'Deployment', 'web'),
      ]),
    );
    const [hook, deployment] = plan.objects;
    assert.equal(hook?.phase, 'PreSync');
    assert.deepEqual(hook.hookDeletePolicies, ['HookSucceeded']);
    assert.equal(deployment?.hookDeletePolicies, undefined);
    assert.deepEqual(
      plan.inventory.map((e) => e.id),
      ['shop_web_apps_Deployment'],
    );
  });

  it('refuses the same object twice, also when one names the default namespace and one omits it', () => {
    assert.throws(
      () =>
        buildPlan(
          planInput([
            manifest('apps/v1', 'Deployment', 'web'),
            manifest('apps/v1beta2', 'Deployment', 'web', 'shop'),
          ]),
        ),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'INVALID_MANIFEST' &&
        error.step === 'plan' &&
        error.subject === 'Deployment/shop/web' &&
        error.message === 'Deployment/shop/web appears more than once in the rendered manifests',
    );
  });

  it('allows the same name in different kinds, groups and namespaces', () => {
    const plan = buildPlan(
      planInput([
        manifest('v1', 'ConfigMap', 'web'),
        manifest('v1', 'ConfigMap', 'web', 'other'),
        manifest('v1', 'Secret', 'web'),
        manifest('apps/v1', 'Deployment', 'web'),
      ]),
    );
    assert.equal(plan.objects.length, 4);
  });

  it('plans an empty application', () => {
    assert.deepEqual(buildPlan(planInput([])), {
      objects: [],
      inventory: [],
      pruneSet: [],
      orphaned: [],
      warnings: [],
    });
  });
});
