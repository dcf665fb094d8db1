import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { subjectOf } from '../../../src/core/objects.js';
import { buildPlan } from '../../../src/plan/index.js';
import { applyOrder, groupIntoWaves, kindRank, pruneOrder } from '../../../src/plan/order.js';
import type { PlannedObject } from '../../../src/plan/types.js';
import { crd, manifest, planInput, seededRandom, shuffled } from './fixtures.js';

const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });

/** A realistic application: namespace, CRD and CR, RBAC, config, workloads, ingress, hooks and waves. */
const application = [
  manifest('v1', 'Namespace', 'shop'),
  crd('example.com', 'Widget', 'Namespaced'),
  manifest('example.com/v1', 'Widget', 'gizmo'),
  manifest('v1', 'ServiceAccount', 'web'),
  manifest('rbac.authorization.k8s.io/v1', 'Role', 'web'),
  manifest('rbac.authorization.k8s.io/v1', 'RoleBinding', 'web'),
  manifest('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
  manifest('v1', 'ConfigMap', 'web-config', undefined, wave(-1)),
  manifest('v1', 'Service', 'web'),
  manifest('apps/v1', 'Deployment', 'web'),
  manifest('v1', 'Secret', 'db', 'shop', wave(1)),
  manifest('apps/v1', 'Deployment', 'worker', 'shop', wave(1)),
  manifest('networking.k8s.io/v1', 'Ingress', 'web', undefined, wave(5)),
  manifest('batch/v1', 'Job', 'migrate', undefined, { 'argocd.argoproj.io/hook': 'PreSync' }),
  manifest('batch/v1', 'Job', 'smoke', undefined, { 'helm.sh/hook': 'post-install' }),
];

const expectedOrder = [
  'Namespace/shop',
  'CustomResourceDefinition/widgets.example.com',
  'Job/shop/migrate',
  'ConfigMap/shop/web-config',
  'ServiceAccount/shop/web',
  'ClusterRole/reader',
  'Role/shop/web',
  'RoleBinding/shop/web',
  'Service/shop/web',
  'Deployment/shop/web',
  'Widget/shop/gizmo',
  'Secret/shop/db',
  'Deployment/shop/worker',
  'Ingress/shop/web',
  'Job/shop/smoke',
];

const subjects = (planned: readonly PlannedObject[]) => planned.map((p) => subjectOf(p.ref));

describe('apply order', () => {
  it('orders a shuffled application by phase, wave, kind, namespace and name', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 20; round++) {
      const plan = buildPlan(planInput(shuffled(application, random)));
      assert.deepEqual(subjects(plan.objects), expectedOrder);
    }
  });

  it('sorts any permutation of planned objects the same way', () => {
    const planned = buildPlan(planInput(application)).objects;
    const random = seededRandom(11);
    for (let round = 0; round < 20; round++) {
      assert.deepEqual(subjects(shuffled(planned, random).sort(applyOrder)), expectedOrder);
    }
  });

  it('prunes in exactly the reverse order', () => {
    const planned = buildPlan(planInput(application)).objects;
    assert.deepEqual(subjects([...planned].sort(pruneOrder)), [...expectedOrder].reverse());
  });

  it('applies Namespaces and CRDs first even when their wave or a hook phase comes earlier', () => {
    const plan = buildPlan(
      planInput([
        manifest('example.com/v1', 'Widget', 'early', undefined, wave(-10)),
        crd('example.com', 'Widget', 'Namespaced'),
        manifest('v1', 'ConfigMap', 'hook', undefined, { 'mooring.dev/hook': 'PreSync', ...wave(-20) }),
        manifest('v1', 'Namespace', 'late', undefined, wave(9)),
        {
          ...crd('example.com', 'Gadget', 'Cluster'),
          metadata: { name: 'gadgets.example.com', annotations: wave(3) },
        },
      ]),
    );
    assert.deepEqual(subjects(plan.objects), [
      'Namespace/late',
      // Among themselves, CRDs keep their waves.
      'CustomResourceDefinition/widgets.example.com',
      'CustomResourceDefinition/gadgets.example.com',
      'ConfigMap/shop/hook',
      'Widget/shop/early',
    ]);
  });

  it('ranks custom resources that share a built-in kind name as custom resources', () => {
    assert.equal(kindRank('serving.knative.dev', 'Service'), kindRank('example.com', 'Widget'));
    assert.ok(kindRank('', 'Service') < kindRank('apps', 'Deployment'));
    assert.ok(
      kindRank('apiextensions.k8s.io', 'CustomResourceDefinition') < kindRank('example.com', 'Widget'),
    );
    assert.equal(kindRank('', 'Namespace'), 0);
  });
});

describe('groupIntoWaves', () => {
  it('splits the plan into runs of one phase and wave, with Namespaces and CRDs on their own', () => {
    const planned = buildPlan(planInput(application)).objects;
    const groups = groupIntoWaves(shuffled(planned, seededRandom(3)));
    assert.deepEqual(
      groups.map((g) => [g.phase, g.wave, subjects(g.objects)]),
      [
        ['Sync', 0, expectedOrder.slice(0, 2)],
        ['PreSync', 0, ['Job/shop/migrate']],
        ['Sync', -1, ['ConfigMap/shop/web-config']],
        ['Sync', 0, expectedOrder.slice(4, 11)],
        ['Sync', 1, ['Secret/shop/db', 'Deployment/shop/worker']],
        ['Sync', 5, ['Ingress/shop/web']],
        ['PostSync', 0, ['Job/shop/smoke']],
      ],
    );
  });

  it('keeps hoisted objects apart from ordinary ones of the same wave', () => {
    const groups = groupIntoWaves(
      buildPlan(planInput([manifest('v1', 'ConfigMap', 'c'), manifest('v1', 'Namespace', 'shop')])).objects,
    );
    assert.deepEqual(
      groups.map((g) => subjects(g.objects)),
      [['Namespace/shop'], ['ConfigMap/shop/c']],
    );
  });

  it('returns no groups for no objects', () => {
    assert.deepEqual(groupIntoWaves([]), []);
  });
});
