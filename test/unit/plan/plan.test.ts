import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import {
  buildPlan,
  creationManifest,
  generatedHookSelector,
  HOOK_ID_LABEL,
  HOOK_SYNC_ANNOTATION,
} from '../../../src/plan/index.js';
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

  describe('hooks with generateName', () => {
    const generated = (annotations: Record<string, string>): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate-*', generateName: 'migrate-', annotations },
    });

    it('plans them as hooks outside the inventory, labelled by app and hook, without a tracking annotation', () => {
      const plan = buildPlan(
        planInput([generated({ 'argocd.argoproj.io/hook': 'PreSync' }), manifest('v1', 'ConfigMap', 'c')]),
      );
      const hook = plan.objects.find((p) => p.ref.kind === 'Job');
      assert.ok(hook);
      assert.equal(hook.generateName, 'migrate-');
      assert.equal(hook.phase, 'PreSync');
      assert.deepEqual(hook.hookDeletePolicies, ['BeforeHookCreation']);
      assert.deepEqual(
        plan.inventory.map((e) => e.id),
        ['shop_c__ConfigMap'],
      );
      const labels = hook.object.metadata.labels ?? {};
      assert.equal(labels['app.mooring.dev/name'], 'shop');
      assert.match(labels[HOOK_ID_LABEL] ?? '', /^[0-9a-f]{40}$/);
      assert.equal(hook.object.metadata.annotations?.['mooring.dev/tracking-id'], undefined);
      assert.deepEqual(generatedHookSelector(hook).split(',').sort(), [
        'app.mooring.dev/name=shop',
        `${HOOK_ID_LABEL}=${labels[HOOK_ID_LABEL] ?? ''}`,
      ]);
    });

    it('gives two hooks and two apps different hook labels', () => {
      const label = (app: string, prefix: string): string => {
        const object = generated({ 'mooring.dev/hook': 'PostSync' });
        object.metadata.generateName = prefix;
        object.metadata.name = `${prefix}*`;
        const plan = buildPlan({ ...planInput([object]), appName: app });
        return plan.objects[0]?.object.metadata.labels?.[HOOK_ID_LABEL] ?? '';
      };
      assert.notEqual(label('shop', 'a-'), label('shop', 'b-'));
      assert.notEqual(label('shop', 'a-'), label('other', 'a-'));
      assert.equal(label('shop', 'a-'), label('shop', 'a-'));
    });

    it('tells apart two hooks with the same prefix, in manifest order', () => {
      const plan = buildPlan(
        planInput([
          generated({ 'argocd.argoproj.io/hook': 'PostSync' }),
          generated({ 'argocd.argoproj.io/hook': 'PreSync' }),
        ]),
      );
      assert.deepEqual(
        plan.objects.map((p) => `${p.phase} ${p.ref.name} ${p.id}`),
        ['PreSync migrate-*2 shop_migrate-*2_batch_Job', 'PostSync migrate-* shop_migrate-*_batch_Job'],
      );
      const [first, second] = plan.objects.map((p) => p.object.metadata.labels?.[HOOK_ID_LABEL]);
      assert.notEqual(first, second);
    });

    it('refuses generateName on an object whose hook annotation makes it an ordinary object', () => {
      assert.throws(
        () => buildPlan(planInput([generated({ 'helm.sh/hook': 'crd-install' })])),
        (error: unknown) =>
          error instanceof MooringError &&
          error.code === 'INVALID_MANIFEST' &&
          error.subject === 'Job/shop/migrate-*' &&
          error.message.includes('uses metadata.generateName but is not a hook'),
      );
    });

    it('builds the manifest to POST without a name, recording the sync that creates it', () => {
      const plan = buildPlan(planInput([generated({ 'argocd.argoproj.io/hook': 'PostSync' })]));
      const hook = plan.objects[0];
      assert.ok(hook);
      const body = creationManifest(hook, 'abc@2026-01-01T00:00:00.000Z');
      assert.equal(body.metadata.name, undefined);
      assert.equal(body.metadata.generateName, 'migrate-');
      assert.equal(body.metadata.namespace, 'shop');
      assert.equal(body.metadata.annotations?.[HOOK_SYNC_ANNOTATION], 'abc@2026-01-01T00:00:00.000Z');
    });
  });
});
