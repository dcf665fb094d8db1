import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatStatus } from '../../../src/cli/output/app-status.js';
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

describe('mooring status of a blue-green rollout', () => {
  it('names the stage and the commit each Service reaches', () => {
    const text = formatStatus({
      metadata: { name: 'shop' },
      status: {
        delivery: {
          phase: 'Waiting',
          revision: 'b'.repeat(40),
          failedChecks: 0,
          message: 'switched: users on the new version; the old one goes in 20s',
          blueGreen: {
            stage: 'Switched',
            activeRevision: 'b'.repeat(40),
            previewRevision: 'b'.repeat(40),
          },
        },
      },
    });
    assert.match(
      text,
      /rollout Waiting of b{12}: blue-green Switched, active on b{12}, preview on b{12}, 0 failed checks\n {4}switched: users on the new version/,
    );
  });
});
