/**
 * Rollout operations on the local cluster: a rollout survives a controller restart (the new controller
 * resumes at the step status names; the weights on the cluster never go back to the first step), and a
 * stable template annotation changed outside Mooring is refused (its hash is kept in status).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { canonicalJson, STABLE_TEMPLATE_ANNOTATION } from '../../../src/delivery/hold.js';
import { annotationHash } from '../../../src/delivery/stable-guard.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import { canaryMetrics, deliverySpec, imageOf, replicasOf, web } from './fixtures.js';
import { controllerHarness, readyAt } from '../controller/harness.js';
import type { ControllerHarness } from '../controller/harness.js';

async function setUp(
  t: TestContext,
  steps: number[],
  controllerMetrics?: Metrics,
): Promise<{ h: ControllerHarness; name: string; metrics: Awaited<ReturnType<typeof canaryMetrics>> }> {
  const h = await controllerHarness(t, {
    basicAuth: true,
    allowPush: true,
    ...(controllerMetrics === undefined ? {} : { metrics: controllerMetrics }),
  });
  const metrics = await canaryMetrics(t, { namespace: h.destNamespace, app: 'web' });
  const prometheus = await startPrometheus(t, { targets: [metrics.target] });
  const name = h.uniqueName('ops');
  const v1 = await h.publish({ 'web.yaml': [web('1.0')] });
  const spec = deliverySpec(prometheus.url) as { delivery: { canary: { steps: { weight: number }[] } } };
  spec.delivery.canary.steps = steps.map((weight) => ({ weight }));
  await h.createApp(name, spec as Parameters<ControllerHarness['createApp']>[1]);
  await h.waitForApp(name, 'synced at v1', readyAt(v1));
  return { h, name, metrics };
}

/** Samples the stable and the canary until stopped: what the cluster ran while nobody was looking. */
function sampler(
  t: TestContext,
  h: ControllerHarness,
): {
  stop: () => Promise<{ stable?: KubeObject; canary?: KubeObject }[]>;
} {
  const samples: { stable?: KubeObject; canary?: KubeObject }[] = [];
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const [stable, canary] = await Promise.all([
        h.get('apps/v1', 'Deployment', 'web'),
        h.get('apps/v1', 'Deployment', 'web-canary'),
      ]);
      samples.push({
        ...(stable === undefined ? {} : { stable }),
        ...(canary === undefined ? {} : { canary }),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const stop = async (): Promise<{ stable?: KubeObject; canary?: KubeObject }[]> => {
    state.running = false;
    await loop;
    return samples;
  };
  t.after(stop);
  return { stop };
}

describe('progressive delivery: rollout operations', () => {
  it('a controller restart resumes the rollout at its step: the weights never go back', async (t) => {
    // One Metrics object for both controllers (each process has its own in production; here they add up).
    const exported = new Metrics({ processMetrics: false });
    const { h, name, metrics } = await setUp(t, [25, 50, 75], exported);
    metrics.setMode('good');
    const v2 = await h.publish({ 'web.yaml': [web('2.0')] });
    await h.waitForApp(name, 'at step 2 (50%)', (a) => a.status?.delivery?.step === 1, 60_000);
    await h.stopController();
    const atStop = (await h.getApp(name)).status?.delivery;
    assert.ok(
      atStop?.step !== undefined && atStop.step >= 1 && atStop.phase !== 'Succeeded',
      JSON.stringify(atStop),
    );
    const canaryAtStop = replicasOf(await h.get('apps/v1', 'Deployment', 'web-canary')) ?? 0;
    assert.ok(canaryAtStop >= 2, `the canary had ${canaryAtStop} replicas at 50% of 4`);
    const watching = sampler(t, h);
    await h.startController();
    await h.waitForApp(
      name,
      'promoted',
      (a) => a.status?.delivery?.phase === 'Succeeded' && a.status.delivery.revision === v2,
      120_000,
    );
    const samples = await watching.stop();
    assert.ok(samples.length > 0);
    for (const s of samples) {
      // Until promotion the stable runs v1 at most at the stop's share; the canary never shrinks below it.
      if (imageOf(s.stable) === 'registry.example/web:1.0')
        assert.ok((replicasOf(s.stable) ?? 0) <= 4 - canaryAtStop, `stable ${replicasOf(s.stable)} replicas`);
      if (s.canary !== undefined && imageOf(s.stable) === 'registry.example/web:1.0')
        assert.ok((replicasOf(s.canary) ?? 0) >= canaryAtStop, `canary ${replicasOf(s.canary)} replicas`);
    }
    const resumed = await h.waitForEvent(name, 'RolloutResumed');
    assert.match(
      String(resumed.message),
      new RegExp(`resumed at step ${atStop.step + 1} \\(${atStop.canaryWeight}%\\)`),
    );
    const started = (await h.events(name)).filter((e) => e.reason === 'RolloutStarted');
    assert.equal(started.length, 1, 'one rollout, started once');
    assert.equal(imageOf(await h.get('apps/v1', 'Deployment', 'web')), 'registry.example/web:2.0');
    await h.waitFor('the canary removed', async () =>
      (await h.get('apps/v1', 'Deployment', 'web-canary')) === undefined ? true : undefined,
    );
    // The rollout's reports reached the metrics sink.
    const text = await exported.exposition();
    const app = `namespace="${h.appNamespace}",app="${name}"`;
    for (const event of ['started', 'resumed', 'promoting', 'promoted'])
      assert.match(text, new RegExp(`mooring_rollout_events_total\\{${app},event="${event}"\\} 1\\n`), event);
    assert.match(text, new RegExp(`mooring_rollout_step\\{${app}\\} 0\\n`));
    assert.match(text, new RegExp(`mooring_rollout_canary_weight\\{${app}\\} 0\\n`));
    assert.match(
      text,
      new RegExp(`mooring_rollout_analysis_checks_total\\{${app},metric="success",result="Passed"\\} [1-9]`),
    );
  });

  it('a stable template annotation changed outside Mooring is refused: no rollout, nothing applied', async (t) => {
    const { h, name } = await setUp(t, [25, 50]);
    const live = await h.get('apps/v1', 'Deployment', 'web');
    const written = live?.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION];
    assert.ok(written !== undefined);
    const recorded = await h.waitForApp(name, 'the stable hash recorded', (a) =>
      /^[0-9a-f]{16}$/.test(a.status?.delivery?.stableTemplateHash ?? ''),
    );
    assert.equal(recorded.status?.delivery?.stableTemplateHash, annotationHash(written));
    assert.equal(recorded.status?.delivery?.phase, undefined, 'no rollout yet');
    // While no controller looks (a running one would heal it), someone who may edit the Deployment swaps the
    // stable template for their own.
    await h.stopController();
    const intruder = JSON.parse(written) as { spec: { containers: { image: string }[] } };
    for (const c of intruder.spec.containers) c.image = 'registry.example/intruder:1.0';
    const forged = canonicalJson(intruder);
    await h.observer.mergePatch(
      'apps/v1',
      { group: 'apps', kind: 'Deployment', namespace: h.destNamespace, name: 'web' },
      { metadata: { annotations: { [STABLE_TEMPLATE_ANNOTATION]: forged } } },
      { fieldManager: 'intruder' },
    );
    await h.publish({ 'web.yaml': [web('2.0')] });
    await h.startController();
    const refused = await h.waitForApp(name, 'the annotation refused', (a) =>
      JSON.stringify(a.status ?? {}).includes('was changed outside Mooring'),
    );
    assert.match(JSON.stringify(refused.status), /no rollout, nothing applied/);
    const stable = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(imageOf(stable), 'registry.example/web:1.0', 'neither the intruder template nor v2');
    assert.equal(replicasOf(stable), 4);
    assert.equal(stable?.metadata.annotations?.[STABLE_TEMPLATE_ANNOTATION], forged, 'nothing applied');
    assert.equal(await h.get('apps/v1', 'Deployment', 'web-canary'), undefined, 'no rollout');
  });
});
