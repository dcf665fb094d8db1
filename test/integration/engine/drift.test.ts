import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fieldAt } from '../../../src/core/objects.js';
import { assertSucceeded, configMap, deployment, engineHarness } from './harness.js';
import type { EngineHarness } from './harness.js';

/** A dry run reports the Deployment unchanged, and a real sync writes nothing and keeps the replicas. */
async function assertUnchangedWithReplicas(h: EngineHarness, replicas: number): Promise<void> {
  const report = await h.sync({ dryRun: true });
  assertSucceeded(report);
  assert.equal(
    report.outcomes.find((o) => o.subject === `Deployment/${h.namespace}/web`)?.action,
    'unchanged',
  );
  const real = await h.sync();
  assertSucceeded(real);
  assert.equal(real.stats.writes, 0, JSON.stringify(real.stats.requests));
  assert.equal(fieldAt(await h.get('apps/v1', 'Deployment', 'web'), ['spec', 'replicas']), replicas);
}

describe('sync engine: drift', () => {
  it('reports hand edits made with kubectl scale and kubectl patch, naming who made them, and a sync restores Git', async (t) => {
    const h = await engineHarness(t, 'drift-app');
    await h.write('web.yaml', deployment('web', { replicas: 2 }));
    await h.write('settings.yaml', configMap('settings', { color: 'blue' }));
    assertSucceeded(await h.sync());

    await h.kubectl(['scale', 'deployment/web', '--replicas=5', '-n', h.namespace]);
    await h.kubectl([
      'patch',
      'configmap/settings',
      '-n',
      h.namespace,
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);

    const report = await h.sync({ dryRun: true });
    assertSucceeded(report);
    assert.equal(report.stats.writes, 0);
    const web = report.outcomes.find((o) => o.subject === `Deployment/${h.namespace}/web`);
    const settings = report.outcomes.find((o) => o.subject === `ConfigMap/${h.namespace}/settings`);
    assert.equal(web?.action, 'configured');
    assert.equal(settings?.action, 'configured');
    assert.deepEqual(
      web.drift?.map((d) => [d.path, d.changedBy.map((o) => o.manager)]),
      [['spec.replicas', ['kubectl']]],
    );
    assert.deepEqual(
      settings.drift?.map((d) => [d.path, d.changedBy.map((o) => o.manager)]),
      [['data.color', ['kubectl-patch']]],
    );
    assert.equal(
      fieldAt(await h.get('apps/v1', 'Deployment', 'web'), ['spec', 'replicas']),
      5,
      'a dry run changes nothing',
    );

    const restored = await h.sync();
    assertSucceeded(restored);
    assert.equal(fieldAt(await h.get('apps/v1', 'Deployment', 'web'), ['spec', 'replicas']), 2);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'settings'))?.data, { color: 'blue' });
    const after = await h.sync({ dryRun: true });
    assert.ok(
      after.outcomes.every((o) => o.action === 'unchanged'),
      JSON.stringify(after.outcomes),
    );
  });

  it('does not report replicas set by an autoscaler when the manifest leaves them out', async (t) => {
    const h = await engineHarness(t, 'hpa-app');
    await h.write('web.yaml', deployment('web'));
    assertSucceeded(await h.sync());
    // What the HPA controller does: an update of the scale subresource under its own manager name.
    await h.observer.client.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${h.namespace}/deployments/web/scale`,
      query: { fieldManager: 'horizontal-pod-autoscaler' },
      body: { spec: { replicas: 4 } },
      contentType: 'application/merge-patch+json',
      verb: 'patch',
    });
    assert.equal(fieldAt(await h.get('apps/v1', 'Deployment', 'web'), ['spec', 'replicas']), 4);
    await assertUnchangedWithReplicas(h, 4);

    // Another applier that owns the field outright (server-side apply under the autoscaler's name).
    await h.observer.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: h.namespace },
        spec: { replicas: 3 },
      },
      { fieldManager: 'horizontal-pod-autoscaler', force: true },
    );
    const managers = (
      (await h.get('apps/v1', 'Deployment', 'web'))?.metadata.managedFields as { manager: string }[]
    ).map((e) => e.manager);
    assert.ok(managers.includes('horizontal-pod-autoscaler'), managers.join(', '));
    await assertUnchangedWithReplicas(h, 3);
  });
});
