import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertSucceeded, configMap, deployment, engineHarness } from './harness.js';

const WAVE_1 = { 'mooring.dev/sync-wave': '1' };

describe('sync engine: waves wait for health', () => {
  it('stops at wait naming the wave-0 Deployment that never becomes ready, and does not apply wave 1', async (t) => {
    const h = await engineHarness(t, 'stuck-wave-app');
    await h.write(
      'web.yaml',
      deployment('web', { replicas: 1, podLabels: { 'mooring.dev/fault': 'not-ready' } }),
    );
    await h.write('after.yaml', configMap('after-web', { value: '1' }, WAVE_1));
    const result = await h.sync({ timeoutMs: 3000 });
    assert.equal(result.error?.step, 'wait');
    assert.match(result.error.message, /wave 0/);
    assert.match(result.error.message, new RegExp(`Deployment/${h.namespace}/web`));
    assert.ok(await h.get('apps/v1', 'Deployment', 'web'), 'wave 0 was applied');
    assert.equal(await h.get('v1', 'ConfigMap', 'after-web'), undefined, 'wave 1 was not applied');
  });

  it('applies wave 1 only after wave 0 is healthy', async (t) => {
    const h = await engineHarness(t, 'healthy-wave-app');
    await h.write('web.yaml', deployment('web', { replicas: 2 }));
    await h.write('after.yaml', configMap('after-web', { value: '1' }, WAVE_1));
    const result = await h.sync({ timeoutMs: 30_000 });
    assertSucceeded(result);
    assert.deepEqual(
      result.outcomes.map((o) => `${o.wave} ${o.subject} ${o.action}`),
      [`0 Deployment/${h.namespace}/web created`, `1 ConfigMap/${h.namespace}/after-web created`],
    );
    const web = await h.get('apps/v1', 'Deployment', 'web');
    const after = await h.get('v1', 'ConfigMap', 'after-web');
    const available = (
      web?.status as { conditions?: { type: string; status: string; lastTransitionTime: string }[] }
    ).conditions?.find((c) => c.type === 'Available' && c.status === 'True');
    assert.ok(available, 'the Deployment became Available');
    // Timestamps have one-second resolution: the ConfigMap cannot predate the Deployment's availability.
    assert.ok(
      Date.parse(String(after?.metadata.creationTimestamp)) >= Date.parse(available.lastTransitionTime),
    );
  });
});
