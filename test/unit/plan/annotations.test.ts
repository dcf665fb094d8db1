import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseObjectAnnotations } from '../../../src/plan/annotations.js';
import { defaultObjectOptions } from '../../../src/plan/sync-options.js';

describe('sync waves', () => {
  it('reads Mooring, Argo CD and negative waves, Mooring first', () => {
    assert.equal(parseObjectAnnotations({ 'mooring.dev/sync-wave': '3' }).wave, 3);
    assert.equal(parseObjectAnnotations({ 'argocd.argoproj.io/sync-wave': '-2' }).wave, -2);
    assert.equal(
      parseObjectAnnotations({ 'mooring.dev/sync-wave': '1', 'argocd.argoproj.io/sync-wave': '7' }).wave,
      1,
    );
    assert.equal(parseObjectAnnotations({}).wave, 0);
    assert.equal(parseObjectAnnotations(undefined).wave, 0);
  });

  it('uses the Helm hook weight for Helm hooks only', () => {
    const hook = parseObjectAnnotations({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-5' });
    assert.equal(hook.wave, -5);
    assert.equal(parseObjectAnnotations({ 'helm.sh/hook-weight': '4' }).wave, 0);
    const both = {
      'helm.sh/hook': 'post-install',
      'helm.sh/hook-weight': '4',
      'argocd.argoproj.io/sync-wave': '2',
    };
    assert.equal(parseObjectAnnotations(both).wave, 2);
  });

  it('warns and uses wave 0 for a wave that is not an integer', () => {
    for (const bad of ['1.5', 'abc', '', '99999999999999999999']) {
      const parsed = parseObjectAnnotations({ 'argocd.argoproj.io/sync-wave': bad });
      assert.equal(parsed.wave, 0, bad);
      assert.deepEqual(parsed.warnings, [
        `argocd.argoproj.io/sync-wave: "${bad}" is not an integer; using wave 0`,
      ]);
    }
  });
});

describe('hooks', () => {
  it('reads Argo CD and Mooring hook phases, Mooring first, with the default delete policy', () => {
    const argo = parseObjectAnnotations({ 'argocd.argoproj.io/hook': 'PostSync' });
    assert.equal(argo.phase, 'PostSync');
    assert.deepEqual(argo.hookDeletePolicies, ['BeforeHookCreation']);
    const both = parseObjectAnnotations({
      'mooring.dev/hook': 'SyncFail',
      'argocd.argoproj.io/hook': 'PreSync',
    });
    assert.equal(both.phase, 'SyncFail');
    assert.deepEqual(both.warnings, []);
  });

  it('treats an explicit Sync hook as a hook', () => {
    const parsed = parseObjectAnnotations({ 'argocd.argoproj.io/hook': 'Sync' });
    assert.equal(parsed.phase, 'Sync');
    assert.deepEqual(parsed.hookDeletePolicies, ['BeforeHookCreation']);
  });

  it('gives ordinary objects no delete policy and warns about one set anyway', () => {
    assert.equal(parseObjectAnnotations({}).hookDeletePolicies, undefined);
    const parsed = parseObjectAnnotations({ 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' });
    assert.equal(parsed.hookDeletePolicies, undefined);
    assert.deepEqual(parsed.warnings, [
      'argocd.argoproj.io/hook-delete-policy: ignored, the object is not a hook',
    ]);
  });

  it('picks the first supported phase of a list and warns', () => {
    const parsed = parseObjectAnnotations({ 'argocd.argoproj.io/hook': 'PostDelete, PostSync,PreSync' });
    assert.equal(parsed.phase, 'PostSync');
    assert.equal(parsed.skip, false);
    assert.equal(parsed.warnings.length, 1);
    assert.match(parsed.warnings[0] ?? '', /runs in PostSync/);
  });

  it('leaves out objects marked Skip or naming no supported phase', () => {
    const skip = parseObjectAnnotations({ 'argocd.argoproj.io/hook': 'Skip' });
    assert.equal(skip.skip, true);
    assert.deepEqual(skip.warnings, ['argocd.argoproj.io/hook: Skip — the object is left out']);
    const unknown = parseObjectAnnotations({ 'mooring.dev/hook': 'Whenever' });
    assert.equal(unknown.skip, true);
    assert.match(unknown.warnings[0] ?? '', /mooring\.dev\/hook: "Whenever" names no supported phase/);
  });

  it('maps Helm install and upgrade hooks onto PreSync and PostSync', () => {
    assert.equal(parseObjectAnnotations({ 'helm.sh/hook': 'pre-install' }).phase, 'PreSync');
    assert.equal(parseObjectAnnotations({ 'helm.sh/hook': 'pre-upgrade' }).phase, 'PreSync');
    assert.equal(parseObjectAnnotations({ 'helm.sh/hook': 'post-install' }).phase, 'PostSync');
    const both = parseObjectAnnotations({ 'helm.sh/hook': 'post-install,post-upgrade' });
    assert.equal(both.phase, 'PostSync');
    assert.deepEqual(both.warnings, []);
  });

  it('does not run Helm test, delete and rollback hooks, with a warning', () => {
    for (const hook of [
      'test',
      'test-success',
      'pre-delete',
      'post-delete',
      'pre-rollback',
      'post-rollback',
    ]) {
      const parsed = parseObjectAnnotations({ 'helm.sh/hook': hook });
      assert.equal(parsed.skip, true, hook);
      assert.deepEqual(parsed.warnings, [
        `helm.sh/hook: "${hook}" is not a hook Mooring runs; the object is left out`,
      ]);
    }
    const mixed = parseObjectAnnotations({ 'helm.sh/hook': 'pre-install,pre-delete' });
    assert.equal(mixed.phase, 'PreSync');
    assert.deepEqual(mixed.warnings, ['helm.sh/hook: pre-delete not run by Mooring; runs in PreSync only']);
  });

  it('applies Helm 2 crd-install objects as ordinary objects', () => {
    const parsed = parseObjectAnnotations({ 'helm.sh/hook': 'crd-install' });
    assert.equal(parsed.skip, false);
    assert.equal(parsed.hookDeletePolicies, undefined);
  });

  it('lets an Argo CD hook annotation win over Helm hook annotations', () => {
    const parsed = parseObjectAnnotations({
      'argocd.argoproj.io/hook': 'PostSync',
      'helm.sh/hook': 'pre-install',
    });
    assert.equal(parsed.phase, 'PostSync');
  });
});

describe('hook delete policies', () => {
  it('reads Argo CD, Helm and Mooring spellings, Mooring first', () => {
    const argo = {
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
    };
    assert.deepEqual(parseObjectAnnotations(argo).hookDeletePolicies, ['HookSucceeded']);
    const helm = {
      'helm.sh/hook': 'post-install',
      'helm.sh/hook-delete-policy': 'hook-succeeded,hook-failed,before-hook-creation',
    };
    assert.deepEqual(parseObjectAnnotations(helm).hookDeletePolicies, [
      'HookSucceeded',
      'HookFailed',
      'BeforeHookCreation',
    ]);
    const mooring = { ...argo, 'mooring.dev/hook-delete-policy': 'hook-failed' };
    assert.deepEqual(parseObjectAnnotations(mooring).hookDeletePolicies, ['HookFailed']);
  });

  it('warns about unknown policies and falls back to BeforeHookCreation', () => {
    const parsed = parseObjectAnnotations({
      'mooring.dev/hook': 'PreSync',
      'mooring.dev/hook-delete-policy': 'Never',
    });
    assert.deepEqual(parsed.hookDeletePolicies, ['BeforeHookCreation']);
    assert.deepEqual(parsed.warnings, [
      'mooring.dev/hook-delete-policy: "Never" is not a hook delete policy; ignored',
    ]);
  });
});

describe('object options', () => {
  const options = (annotations: Record<string, string>) => parseObjectAnnotations(annotations).options;

  it('defaults to prune, update, enforce', () => {
    assert.deepEqual(options({}), defaultObjectOptions());
    assert.equal(parseObjectAnnotations({}, 'warn').options.drift, 'warn');
  });

  it('reads Argo CD sync options', () => {
    const parsed = options({
      'argocd.argoproj.io/sync-options':
        'Prune=false, Replace=true,Force=true,SkipDryRunOnMissingResource=true',
    });
    assert.equal(parsed.prune, false);
    assert.equal(parsed.replace, true);
    assert.equal(parsed.recreateOnImmutable, true);
    assert.equal(parsed.skipDryRunOnMissingResource, true);
    assert.equal(options({ 'argocd.argoproj.io/sync-options': 'Delete=false' }).keepOnAppDelete, true);
  });

  it('accepts ServerSideApply=true silently and warns about turning it off', () => {
    const on = parseObjectAnnotations({ 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' });
    assert.deepEqual(on.warnings, []);
    const off = parseObjectAnnotations({ 'argocd.argoproj.io/sync-options': 'ServerSideApply=false' });
    assert.match(off.warnings[0] ?? '', /always uses server-side apply/);
  });

  it('never deletes on its own for Prune=confirm', () => {
    const parsed = parseObjectAnnotations({ 'argocd.argoproj.io/sync-options': 'Prune=confirm' });
    assert.equal(parsed.options.prune, false);
    assert.equal(parsed.warnings.length, 1);
  });

  it('warns about unknown, malformed and app-level sync options and changes nothing', () => {
    const parsed = parseObjectAnnotations({
      'mooring.dev/sync-options': 'Prune=nope,Bogus=true,CreateNamespace=true,Replace',
    });
    assert.deepEqual(parsed.options, defaultObjectOptions());
    assert.deepEqual(parsed.warnings, [
      'mooring.dev/sync-options: "Prune=nope" is not a sync option Mooring knows; ignored',
      'mooring.dev/sync-options: "Bogus=true" is not a sync option Mooring knows; ignored',
      'mooring.dev/sync-options: CreateNamespace applies to a whole application, not one object; ignored',
      'mooring.dev/sync-options: "Replace" is not a sync option Mooring knows; ignored',
    ]);
  });

  it("lets Mooring's sync options override Argo CD's", () => {
    const parsed = options({
      'argocd.argoproj.io/sync-options': 'Prune=false',
      'mooring.dev/sync-options': 'Prune=true',
    });
    assert.equal(parsed.prune, true);
  });

  it('reads Flux kustomize-controller annotations', () => {
    assert.equal(options({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }).prune, false);
    assert.equal(options({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }).createOnly, true);
    assert.equal(options({ 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }).ignore, true);
    assert.equal(options({ 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' }).mergeWithOtherManagers, true);
    assert.deepEqual(options({ 'kustomize.toolkit.fluxcd.io/ssa': 'Override' }), defaultObjectOptions());
    assert.equal(options({ 'kustomize.toolkit.fluxcd.io/force': 'enabled' }).recreateOnImmutable, true);
    assert.equal(options({ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }).ignore, true);
  });

  it("reads Mooring's own annotations, which win over Flux's", () => {
    assert.equal(options({ 'mooring.dev/prune': 'disabled' }).prune, false);
    assert.equal(options({ 'mooring.dev/drift': 'warn' }).drift, 'warn');
    assert.equal(options({ 'mooring.dev/drift': 'ignore' }).drift, 'ignore');
    assert.equal(options({ 'mooring.dev/apply': 'create-only' }).createOnly, true);
    assert.equal(options({ 'mooring.dev/apply': 'ignore' }).ignore, true);
    assert.equal(options({ 'mooring.dev/recreate': 'on-immutable' }).recreateOnImmutable, true);
    assert.equal(options({ 'mooring.dev/force': 'true' }).force, true);
    const both = options({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'mooring.dev/prune': 'enabled' });
    assert.equal(both.prune, true);
  });

  it('warns about bad values and keeps the default', () => {
    const cases: [string, string][] = [
      ['mooring.dev/drift', 'sometimes'],
      ['mooring.dev/prune', 'no'],
      ['mooring.dev/apply', 'update'],
      ['mooring.dev/recreate', 'always'],
      ['kustomize.toolkit.fluxcd.io/ssa', 'Replace'],
      ['kustomize.toolkit.fluxcd.io/prune', 'false'],
    ];
    for (const [key, value] of cases) {
      const parsed = parseObjectAnnotations({ [key]: value }, 'warn');
      assert.deepEqual(parsed.options, defaultObjectOptions('warn'), key);
      assert.equal(parsed.warnings.length, 1, key);
      assert.ok(parsed.warnings[0]?.startsWith(`${key}: "${value}" is not one of `), parsed.warnings[0]);
    }
  });
});
