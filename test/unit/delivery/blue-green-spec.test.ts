import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deliverySchema } from '../../../src/crd/delivery.js';

const analysis = { prometheus: { address: 'http://prom:9090' } };

describe('spec.delivery.blueGreen', () => {
  it('defaults to automatic promotion and a 30s scale-down delay (Argo Rollouts defaults)', () => {
    const d = deliverySchema.parse({
      target: 'web',
      blueGreen: { activeService: 'web', previewService: 'web-preview' },
      analysis,
    });
    assert.deepEqual(d.blueGreen, {
      activeService: 'web',
      previewService: 'web-preview',
      autoPromotionEnabled: true,
      scaleDownDelay: '30s',
    });
  });

  it('refuses the same Service as active and preview', () => {
    const parsed = deliverySchema.safeParse({
      target: 'web',
      blueGreen: { activeService: 'web', previewService: 'web' },
      analysis,
    });
    assert.ok(!parsed.success);
    assert.match(JSON.stringify(parsed.error.issues), /two different Services/);
  });

  it('refuses canary and blueGreen together, and a bad delay', () => {
    assert.equal(
      deliverySchema.safeParse({
        target: 'web',
        canary: { steps: [{ weight: 10 }] },
        blueGreen: { activeService: 'web', previewService: 'web-preview' },
        analysis,
      }).success,
      false,
    );
    assert.equal(
      deliverySchema.safeParse({
        target: 'web',
        blueGreen: { activeService: 'web', previewService: 'web-preview', scaleDownDelay: 'soon' },
        analysis,
      }).success,
      false,
    );
  });
});
