import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deliverySchema } from '../../../src/crd/delivery.js';
import { routingKindOf } from '../../../src/crd/traffic.js';

const BASE = {
  target: 'web',
  canary: { steps: [{ weight: 25 }] },
  analysis: { prometheus: { address: 'http://prom:9090' } },
};

describe('spec.delivery.trafficRouting', () => {
  it('defaults to replicas when absent', () => {
    const spec = deliverySchema.parse(BASE);
    assert.equal(spec.trafficRouting, undefined);
    assert.equal(routingKindOf(spec.trafficRouting), 'replicas');
  });

  it('accepts exactly one of replicas, httpRoute, nginx', () => {
    assert.equal(
      routingKindOf(deliverySchema.parse({ ...BASE, trafficRouting: { replicas: {} } }).trafficRouting),
      'replicas',
    );
    const routed = deliverySchema.parse({
      ...BASE,
      trafficRouting: { httpRoute: { name: 'web', port: 8080 } },
    });
    assert.deepEqual(routed.trafficRouting?.httpRoute, { name: 'web', port: 8080 });
    assert.equal(routingKindOf(routed.trafficRouting), 'httpRoute');
    assert.equal(
      routingKindOf(
        deliverySchema.parse({ ...BASE, trafficRouting: { nginx: { ingress: 'web' } } }).trafficRouting,
      ),
      'nginx',
    );
  });

  it('refuses none, two at once, bad names and ports', () => {
    for (const trafficRouting of [
      {},
      { replicas: {}, nginx: { ingress: 'web' } },
      { httpRoute: { name: 'Web_Route' } },
      { httpRoute: { name: 'web', port: 0 } },
      { nginx: {} },
      { replicas: { extra: 1 } },
    ]) {
      assert.equal(
        deliverySchema.safeParse({ ...BASE, trafficRouting }).success,
        false,
        JSON.stringify(trafficRouting),
      );
    }
  });

  it('refuses traffic routing without canary steps', () => {
    const result = deliverySchema.safeParse({
      ...BASE,
      canary: undefined,
      blueGreen: { activeService: 'web', previewService: 'web-preview' },
      trafficRouting: { httpRoute: { name: 'web' } },
    });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error.issues), /trafficRouting applies to canary steps/);
  });
});
