import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { deliverySchema } from '../../../src/crd/delivery.js';
import {
  canonicalJson,
  holdBack,
  STABLE_TEMPLATE_ANNOTATION,
  targetOf,
  templateHash,
} from '../../../src/delivery/hold.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const DELIVERY = deliverySchema.parse({
  target: 'web',
  canary: { steps: [{ weight: 25 }, { weight: 50 }] },
  analysis: { prometheus: { address: 'http://prom:9090' } },
});

function template(image: string): Record<string, unknown> {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image }] } };
}

function planned(image: string, replicas = 4): PlannedObject {
  return {
    id: 'shop_web_apps_Deployment',
    ref: { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' },
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(image) },
    },
  } as unknown as PlannedObject;
}

function live(stableImage: string | undefined): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      ...(stableImage === undefined
        ? {}
        : { annotations: { [STABLE_TEMPLATE_ANNOTATION]: canonicalJson(template(stableImage)) } }),
    },
  };
}

const spec = (p: PlannedObject): { replicas: number; template: unknown } =>
  p.object.spec as { replicas: number; template: unknown };

describe('delivery hold-back', () => {
  it('finds the target Deployment in the destination namespace only', () => {
    const p = planned('web:1');
    assert.equal(targetOf([p], DELIVERY, 'shop'), p);
    assert.equal(targetOf([p], DELIVERY, 'other'), undefined);
  });

  it('applies a first deployment (and an adopted one) directly, recording the stable template', () => {
    for (const l of [undefined, live(undefined)]) {
      const p = planned('web:1');
      assert.equal(holdBack(DELIVERY, p, l, undefined).kind, 'direct');
      assert.equal(
        p.object.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION],
        canonicalJson(template('web:1')),
      );
      assert.deepEqual(spec(p).template, template('web:1'));
    }
  });

  it('holds a new template back: the stable keeps the old one at the first step’s share', () => {
    const p = planned('web:2');
    const d = holdBack(DELIVERY, p, live('web:1'), undefined);
    assert.deepEqual(d, {
      kind: 'held',
      template: template('web:2'),
      templateHash: templateHash(template('web:2')),
      replicas: 4,
    });
    assert.deepEqual(spec(p).template, template('web:1'));
    assert.equal(spec(p).replicas, 3, '25% of 4 on the canary');
    assert.equal(
      p.object.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION],
      canonicalJson(template('web:1')),
    );
  });

  it('keeps the split of a rollout in progress and applies the new template once promoting', () => {
    const hash = templateHash(template('web:2'));
    const during = planned('web:2');
    holdBack(DELIVERY, during, live('web:1'), { templateHash: hash, weight: 50, promoting: false });
    assert.equal(spec(during).replicas, 2);
    const promoting = planned('web:2');
    assert.deepEqual(
      holdBack(DELIVERY, promoting, live('web:1'), { templateHash: hash, weight: 50, promoting: true }),
      {
        kind: 'direct',
        reason: 'promotion',
      },
    );
    assert.deepEqual(spec(promoting).template, template('web:2'));
    assert.equal(spec(promoting).replicas, 4);
    assert.equal(
      promoting.object.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION],
      canonicalJson(template('web:2')),
    );
  });

  it('leaves an unchanged template alone (key order does not matter)', () => {
    const p = planned('web:1');
    const reordered = live(undefined);
    reordered.metadata.annotations = {
      [STABLE_TEMPLATE_ANNOTATION]: JSON.stringify({
        spec: { containers: [{ image: 'web:1', name: 'main' }] },
        metadata: { labels: { app: 'web' } },
      }),
    };
    assert.deepEqual(holdBack(DELIVERY, p, reordered, undefined), { kind: 'unchanged' });
    assert.equal(spec(p).replicas, 4);
  });

  it('holds a blue-green template back with the old version at full size (the preview runs beside it)', () => {
    const blueGreen = deliverySchema.parse({
      target: 'web',
      blueGreen: { activeService: 'web', previewService: 'web-preview' },
      analysis: { prometheus: { address: 'http://prom:9090' } },
    });
    const p = planned('web:2');
    const decision = holdBack(blueGreen, p, live('web:1'), undefined);
    assert.equal(decision.kind, 'held');
    assert.deepEqual(spec(p).template, template('web:1'));
    assert.equal(spec(p).replicas, 4);
  });
});
