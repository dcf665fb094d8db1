import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deliveryPatch } from '../../../src/delivery/coordinator.js';

/** RFC 7386 JSON merge patch, as the API server applies it to status. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result = new Map(
    typeof target === 'object' && target !== null && !Array.isArray(target) ? Object.entries(target) : [],
  );
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) result.delete(key);
    else result.set(key, mergePatch(result.get(key), value));
  }
  return Object.fromEntries(result);
}

describe('delivery: the status.delivery patch', () => {
  it('a new rollout does not keep the metrics and step times of the last one', () => {
    const aborted = {
      delivery: {
        phase: 'Aborted',
        revision: 'a'.repeat(40),
        step: 0,
        canaryWeight: 25,
        failedChecks: 2,
        metrics: [{ name: 'success', value: 50, result: 'Failed', message: '50 < min 99' }],
        message: 'canary of aaaa aborted',
        stepStartedAt: '2026-12-01T05:00:00.000Z',
      },
    };
    const started = {
      phase: 'Progressing' as const,
      revision: 'b'.repeat(40),
      step: 0,
      canaryWeight: 25,
      failedChecks: 0,
      message: 'step 1 of 2: 25% on bbbb',
    };
    assert.deepEqual(mergePatch(aborted, deliveryPatch(started).status), { delivery: started });
  });

  it("keeps the stable template hash, which only the coordinator's own partial patch writes", () => {
    const before = {
      delivery: { phase: 'Succeeded', revision: 'a'.repeat(40), stableTemplateHash: 'f'.repeat(64) },
    };
    const started = { phase: 'Progressing' as const, revision: 'b'.repeat(40) };
    assert.deepEqual(mergePatch(before, deliveryPatch(started).status), {
      delivery: { stableTemplateHash: 'f'.repeat(64), ...started },
    });
  });

  it('keeps every field the new status sets', () => {
    const status = {
      phase: 'Waiting' as const,
      revision: 'c'.repeat(40),
      metrics: [{ name: 'latency', result: 'LowTraffic' as const }],
      stepStartedAt: '2026-12-01T05:00:00.000Z',
    };
    assert.deepEqual(mergePatch({}, deliveryPatch(status).status), { delivery: status });
  });
});
