import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { fieldAt } from '../../../src/core/objects.js';
import { assertSucceeded, configMap, deployment, engineHarness, job } from './harness.js';

function badService(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 70000 }] },
  };
}

describe('sync engine: validation before any write', () => {
  it('rejects an invalid object among valid ones and applies nothing of the app', async (t) => {
    const h = await engineHarness(t, 'rejected-app');
    await h.write('settings.yaml', configMap('settings', { color: 'blue' }));
    await h.write('web.yaml', deployment('web', { replicas: -1 }));
    await h.write('service.yaml', badService());
    const result = await h.sync();
    assert.equal(result.error?.step, 'validate');
    assert.match(result.error.message, /nothing was applied/);
    const rejected = Object.fromEntries(
      (result.rejected ?? []).map((r): [string, string] => [r.subject ?? '', r.message]),
    );
    assert.deepEqual(Object.keys(rejected).sort(), [
      `Deployment/${h.namespace}/web`,
      `Service/${h.namespace}/web`,
    ]);
    assert.match(rejected[`Deployment/${h.namespace}/web`] ?? '', /spec\.replicas: Invalid value: -1/);
    assert.match(
      rejected[`Service/${h.namespace}/web`] ?? '',
      /spec\.ports\[0\]\.port: Invalid value: 70000/,
    );
    assert.equal(result.stats.writes, 0);
    const leftovers = await h.observer.list('v1', 'ConfigMap', {
      namespace: h.namespace,
      labelSelector: 'app.mooring.dev/name',
    });
    assert.deepEqual(leftovers, []);
    assert.equal(await h.get('v1', 'ConfigMap', 'mooring-inventory-rejected-app'), undefined);
    assert.equal(await h.get('apps/v1', 'Deployment', 'web'), undefined);
  });

  it('leaves the previous objects and inventory unchanged when a later commit has a rejected object', async (t) => {
    const h = await engineHarness(t, 'rejected-later-app');
    await h.write('settings.yaml', configMap('settings', { color: 'blue' }));
    await h.write('web.yaml', deployment('web', { replicas: 1 }));
    assertSucceeded(await h.sync());
    const before = await h.get('v1', 'ConfigMap', 'settings');
    const inventoryBefore = await h.inventoryIds();

    await h.write('settings.yaml', configMap('settings', { color: 'red' }));
    await h.write('web.yaml', deployment('web', { replicas: -1 }));
    const result = await h.sync({ prune: true });
    assert.equal(result.error?.step, 'validate');
    assert.equal(result.rejected?.[0]?.subject, `Deployment/${h.namespace}/web`);
    assert.equal(result.stats.writes, 0);
    const after = await h.get('v1', 'ConfigMap', 'settings');
    assert.deepEqual(after?.data, { color: 'blue' });
    assert.equal(after.metadata.resourceVersion, before?.metadata.resourceVersion);
    assert.equal(fieldAt(await h.get('apps/v1', 'Deployment', 'web'), ['spec', 'replicas']), 1);
    assert.deepEqual(await h.inventoryIds(), inventoryBefore);
  });

  it('stops at render on broken YAML, naming the file and line, and applies nothing', async (t) => {
    const h = await engineHarness(t, 'broken-yaml-app');
    await h.write('good.yaml', configMap('good', { value: '1' }));
    await h.write(
      'broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n  other: value\n',
    );
    const result = await h.sync();
    assert.equal(result.error?.step, 'render');
    assert.match(result.error.message, /app\/broken\.yaml/);
    assert.match(result.error.message, /line \d+/);
    assert.equal(result.stats.writes, 0);
    assert.equal(await h.get('v1', 'ConfigMap', 'good'), undefined);
  });

  it('fails at validate with a hint when a Job template changes, and recreates the Job when it opts in', async (t) => {
    const h = await engineHarness(t, 'immutable-app');
    await h.write('job.yaml', job('migrate', { command: ['migrate', 'v1'] }));
    assertSucceeded(await h.sync());
    const first = await h.get('batch/v1', 'Job', 'migrate');

    await h.write('job.yaml', job('migrate', { command: ['migrate', 'v2'] }));
    const refused = await h.sync();
    assert.equal(refused.error?.step, 'validate');
    assert.match(refused.error.message, /immutable/);
    assert.match(refused.error.hint ?? '', /mooring\.dev\/recreate: on-immutable/);
    assert.equal((await h.get('batch/v1', 'Job', 'migrate'))?.metadata.uid, first?.metadata.uid);

    await h.write(
      'job.yaml',
      job('migrate', { command: ['migrate', 'v2'], annotations: { 'mooring.dev/recreate': 'on-immutable' } }),
    );
    const recreated = await h.sync();
    assertSucceeded(recreated);
    assert.equal(
      recreated.outcomes.find((o) => o.subject === `Job/${h.namespace}/migrate`)?.action,
      'recreated',
    );
    const second = await h.get('batch/v1', 'Job', 'migrate');
    assert.notEqual(second?.metadata.uid, first?.metadata.uid);
    const containers = (second?.spec as { template: { spec: { containers: { command: string[] }[] } } })
      .template.spec.containers;
    assert.deepEqual(containers[0]?.command, ['migrate', 'v2']);
  });
});
