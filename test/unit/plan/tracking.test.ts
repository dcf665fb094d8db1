import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { buildPlan } from '../../../src/plan/index.js';
import {
  isTrackedBy,
  parseTrackingId,
  TRACKING_ANNOTATION,
  trackingIdOf,
  validateAppName,
} from '../../../src/plan/tracking.js';
import { manifest, planInput } from './fixtures.js';

const deployment = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
const clusterRole = {
  group: 'rbac.authorization.k8s.io',
  kind: 'ClusterRole',
  namespace: '',
  name: 'system:reader',
};

function live(
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string | undefined,
  tracking: string,
): KubeObject {
  return manifest(apiVersion, kind, name, namespace, { [TRACKING_ANNOTATION]: tracking });
}

describe('tracking ids', () => {
  it("uses Argo CD's format with the core group empty and no namespace for cluster-scoped objects", () => {
    assert.equal(trackingIdOf('shop', deployment), 'shop:apps/Deployment:shop/web');
    assert.equal(
      trackingIdOf('shop', { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'c' }),
      'shop:/ConfigMap:shop/c',
    );
    assert.equal(
      trackingIdOf('shop', clusterRole),
      'shop:rbac.authorization.k8s.io/ClusterRole:/system:reader',
    );
  });

  it('parses what it writes, names with ":" and "/" included', () => {
    for (const ref of [
      deployment,
      clusterRole,
      { group: '', kind: 'Secret', namespace: 'a', name: 'x/y:z' },
    ]) {
      assert.deepEqual(parseTrackingId(trackingIdOf('my-app.v2', ref)), { appName: 'my-app.v2', ref });
    }
  });

  it('rejects values that are not tracking ids', () => {
    for (const value of [
      '',
      'shop',
      'shop:apps/Deployment',
      ':apps/Deployment:shop/web',
      'shop:apps/:shop/web',
      'shop:/Deployment:shop/',
    ]) {
      assert.equal(parseTrackingId(value), undefined, value);
    }
  });

  it('accepts application names that are label values and refuses the rest', () => {
    for (const name of ['shop', 'a', 'Shop_1.prod-eu', 'x'.repeat(63)]) validateAppName(name);
    for (const name of ['', 'x'.repeat(64), '-shop', 'shop-', 'shop!', 'my shop', 'a/b']) {
      assert.throws(
        () => {
          validateAppName(name);
        },
        (error: unknown) =>
          error instanceof MooringError && error.code === 'INVALID_ARGUMENT' && error.step === 'plan',
        name,
      );
    }
  });
});

describe('isTrackedBy', () => {
  it('owns an object whose annotation names the app and the object itself', () => {
    assert.equal(
      isTrackedBy(live('apps/v1', 'Deployment', 'web', 'shop', 'shop:apps/Deployment:shop/web'), 'shop'),
      true,
    );
    assert.equal(
      isTrackedBy(
        live(
          'rbac.authorization.k8s.io/v1',
          'ClusterRole',
          'system:reader',
          undefined,
          trackingIdOf('shop', clusterRole),
        ),
        'shop',
      ),
      true,
    );
  });

  it('does not own an object tracked by another app', () => {
    assert.equal(
      isTrackedBy(live('apps/v1', 'Deployment', 'web', 'shop', 'shop:apps/Deployment:shop/web'), 'shop2'),
      false,
    );
  });

  it('does not own a copy that kept the annotation of the object it was copied from', () => {
    const annotation = 'shop:apps/Deployment:shop/web';
    assert.equal(isTrackedBy(live('apps/v1', 'Deployment', 'web-copy', 'shop', annotation), 'shop'), false);
    assert.equal(isTrackedBy(live('apps/v1', 'Deployment', 'web', 'staging', annotation), 'shop'), false);
    assert.equal(isTrackedBy(live('apps/v1', 'StatefulSet', 'web', 'shop', annotation), 'shop'), false);
  });

  it('does not own objects without or with a malformed annotation', () => {
    assert.equal(isTrackedBy(manifest('apps/v1', 'Deployment', 'web', 'shop'), 'shop'), false);
    assert.equal(isTrackedBy(live('apps/v1', 'Deployment', 'web', 'shop', 'garbage'), 'shop'), false);
  });
});

describe('tracking in the plan', () => {
  it('labels and annotates every object, hooks included, without changing the input', () => {
    const input = [
      manifest('apps/v1', 'Deployment', 'web', undefined, { keep: 'me' }),
      manifest('batch/v1', 'Job', 'migrate', undefined, { 'argocd.argoproj.io/hook': 'PreSync' }),
    ];
    const before = structuredClone(input);
    const plan = buildPlan(planInput(input));
    for (const planned of plan.objects) {
      assert.equal(planned.object.metadata.labels?.['app.mooring.dev/name'], 'shop');
      assert.equal(
        planned.object.metadata.annotations?.[TRACKING_ANNOTATION],
        trackingIdOf('shop', planned.ref),
      );
      assert.equal(isTrackedBy(planned.object, 'shop'), true);
    }
    assert.equal(plan.objects.find((p) => p.ref.name === 'web')?.object.metadata.annotations?.keep, 'me');
    assert.deepEqual(input, before);
  });

  it('refuses an application name that cannot be a label value', () => {
    assert.throws(
      () => buildPlan(planInput([], { appName: 'Shop App' })),
      (error: unknown) => error instanceof MooringError && error.code === 'INVALID_ARGUMENT',
    );
  });
});
