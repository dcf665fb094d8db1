import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { buildPlan } from '../../../src/plan/index.js';
import { crd, manifest, planInput } from './fixtures.js';

const only = (objects: Parameters<typeof planInput>[0], overrides: Parameters<typeof planInput>[1] = {}) =>
  buildPlan(planInput(objects, overrides));

describe('namespace defaulting', () => {
  it('gives namespaced objects without a namespace the default one, in the ref and the object', () => {
    const [planned] = only([manifest('v1', 'ConfigMap', 'web')]).objects;
    assert.equal(planned?.ref.namespace, 'shop');
    assert.equal(planned.object.metadata.namespace, 'shop');
    assert.equal(planned.id, 'shop_web__ConfigMap');
  });

  it('keeps a namespace that is written', () => {
    const [planned] = only([manifest('v1', 'ConfigMap', 'web', 'other')]).objects;
    assert.equal(planned?.ref.namespace, 'other');
  });

  it('ignores a namespace on cluster-scoped kinds, with a warning', () => {
    const plan = only([manifest('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', 'shop')]);
    assert.equal(plan.objects[0]?.ref.namespace, '');
    assert.equal(plan.objects[0].id, '_reader_rbac.authorization.k8s.io_ClusterRole');
    assert.deepEqual(plan.warnings, [
      'ClusterRole/reader: namespace "shop" ignored, ClusterRole is cluster-scoped',
    ]);
  });

  it('does not give cluster-scoped objects a namespace', () => {
    const plan = only([manifest('v1', 'Namespace', 'shop')]);
    assert.equal(plan.objects[0]?.object.metadata.namespace, undefined);
    assert.deepEqual(plan.warnings, []);
  });

  it('takes the scope of unknown kinds from a CRD in the application', () => {
    const plan = only([
      crd('example.com', 'Widget', 'Namespaced'),
      crd('example.com', 'Fleet', 'Cluster'),
      manifest('example.com/v1', 'Widget', 'w'),
      manifest('example.com/v1', 'Fleet', 'f', 'ignored-here'),
    ]);
    const refs = Object.fromEntries(plan.objects.map((p) => [p.ref.kind, p.ref.namespace]));
    assert.equal(refs.Widget, 'shop');
    assert.equal(refs.Fleet, '');
  });

  it('prefers what the cluster says over a CRD in the application', () => {
    const plan = only(
      [crd('example.com', 'Widget', 'Namespaced'), manifest('example.com/v1', 'Widget', 'w')],
      {
        isNamespaced: (group, kind) =>
          group === 'example.com' && kind === 'Widget' ? false : kind !== 'CustomResourceDefinition',
      },
    );
    assert.equal(plan.objects.find((p) => p.ref.kind === 'Widget')?.ref.namespace, '');
  });

  it('refuses a kind that neither the cluster nor a CRD in the application defines', () => {
    assert.throws(
      () => only([manifest('x.y/v1', 'Widget', 'w', 'shop')]),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'INVALID_MANIFEST' &&
        error.step === 'plan' &&
        error.subject === 'Widget/shop/w' &&
        error.message === 'unknown kind Widget (group x.y): no CRD in the cluster or in this application' &&
        (error.hint ?? '').includes('CRD'),
    );
  });

  it('does not count a CRD that is left out (hook Skip)', () => {
    const skipped = crd('example.com', 'Widget', 'Namespaced');
    skipped.metadata.annotations = { 'argocd.argoproj.io/hook': 'Skip' };
    assert.throws(
      () => only([skipped, manifest('example.com/v1', 'Widget', 'w')]),
      (error: unknown) => error instanceof MooringError && error.code === 'INVALID_MANIFEST',
    );
  });

  it('refuses a namespaced object when neither it nor the application names a namespace', () => {
    assert.throws(
      () => only([manifest('v1', 'ConfigMap', 'web')], { defaultNamespace: '' }),
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'INVALID_MANIFEST' &&
        error.subject === 'ConfigMap/web',
    );
  });
});
