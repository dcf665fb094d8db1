import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MooringError } from '../../../src/core/errors.js';
import { deliverySchema } from '../../../src/crd/delivery.js';
import { holdBlueGreen } from '../../../src/delivery/blue-green.js';
import type { ActiveRollout } from '../../../src/delivery/runner.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const DELIVERY = deliverySchema.parse({
  target: 'web',
  blueGreen: { activeService: 'web', previewService: 'web-preview' },
  analysis: { prometheus: { address: 'http://prom:9090' } },
});

function service(name: string, namespace = 'shop'): PlannedObject {
  return {
    id: `${namespace}_${name}__Service`,
    ref: { group: '', kind: 'Service', namespace, name },
    object: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' } } },
  } as unknown as PlannedObject;
}

const held = { kind: 'held', template: {}, templateHash: 'abc', replicas: 4 } as const;
const selector = (p: PlannedObject): unknown => (p.object.spec as { selector: unknown }).selector;

describe('blue-green engine hook', () => {
  it('refuses a new template when the app lacks one of the Services (before anything is written)', () => {
    assert.throws(
      () => {
        holdBlueGreen(DELIVERY, [service('web')], 'shop', held, undefined);
      },
      (error: unknown) =>
        error instanceof MooringError &&
        error.code === 'INVALID_MANIFEST' &&
        error.message.includes('web-preview'),
    );
    // A Service of that name in another namespace is not the app's.
    assert.throws(() => {
      holdBlueGreen(DELIVERY, [service('web'), service('web-preview', 'other')], 'shop', held, undefined);
    });
  });

  it('lets a sync without a template change through, and leaves Git’s selectors when no rollout runs', () => {
    holdBlueGreen(DELIVERY, [service('web')], 'shop', { kind: 'unchanged' }, undefined);
    const active = service('web');
    holdBlueGreen(DELIVERY, [active, service('web-preview')], 'shop', held, undefined);
    assert.deepEqual(selector(active), { app: 'web' });
  });

  it('writes the rollout’s selectors into the planned Services during a rollout', () => {
    const active = service('web');
    const preview = service('web-preview');
    const rollout = {
      blueGreen: {
        stage: 'Preview',
        oldPodHash: 'h1',
        gitActive: {},
        gitPreview: {},
        scaleDownDelay: '30s',
      },
    } as unknown as ActiveRollout;
    holdBlueGreen(DELIVERY, [active, preview], 'shop', { kind: 'unchanged' }, rollout);
    assert.deepEqual(selector(active), { app: 'web', 'pod-template-hash': 'h1' });
    assert.deepEqual(selector(preview), { app: 'web', 'mooring.dev/track': 'preview' });
    assert.deepEqual(rollout.blueGreen?.gitActive, { app: 'web' });
  });
});
