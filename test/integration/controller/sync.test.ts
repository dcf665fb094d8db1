import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { TRACKING_LABEL } from '../../../src/plan/tracking.js';
import { testCluster } from '../../helpers/kube.js';
import { condition, configMap, configMapData, controllerHarness, deployment, readyAt } from './harness.js';

const run = promisify(execFile);

describe('controller: syncing an Application', () => {
  it('syncs a new Application and reports Synced, Healthy, the commit, a SyncRecord and an Event', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({
      'app.yaml': [configMap('settings', { color: 'blue' }), deployment('web', 1)],
    });
    const name = h.uniqueName('first');
    await h.createApp(name);

    const app = await h.waitForApp(name, 'Ready at the commit', readyAt(sha));
    assert.equal(app.status?.sync?.status, 'Synced');
    assert.equal(app.status.health?.status, 'Healthy');
    assert.equal(app.status.sync.revision, sha);
    assert.equal(condition(app, 'Ready')?.status, 'True');
    assert.equal(condition(app, 'Stalled')?.status, 'False');
    assert.deepEqual(
      (app.status.inventory ?? []).map((e) => e.id).sort(),
      [`${h.destNamespace}_settings__ConfigMap`, `${h.destNamespace}_web_apps_Deployment`].sort(),
    );
    assert.deepEqual(await configMapData(h, 'settings'), { color: 'blue' });
    const web = await h.get('apps/v1', 'Deployment', 'web');
    assert.equal(web?.metadata.labels?.[TRACKING_LABEL], name);

    const records = await h.syncRecords(name);
    assert.equal(records.length, 1, 'one sync, one record');
    const record = records[0]?.spec as { trigger: string; revision: string; result: string };
    assert.equal(record.trigger, 'poll');
    assert.equal(record.revision, sha);
    assert.equal(record.result, 'Succeeded');
    await h.waitForEvent(name, 'Synced', (m) => m.startsWith(sha.slice(0, 12)));
  });

  it('leaves a manual-sync app OutOfSync until `mooring sync --wait`, which applies it', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({ 'app.yaml': [configMap('manual', { mode: 'manual' })] });
    const name = h.uniqueName('manual');
    await h.createApp(name, { syncPolicy: { automated: false } });

    const before = await h.waitForApp(name, 'OutOfSync', (app) => app.status?.sync?.status === 'OutOfSync');
    assert.equal(before.status?.resources?.[0]?.message, 'would be created');
    assert.equal(await configMapData(h, 'manual'), undefined, 'a manual app is not applied by polling');

    const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
    const args = [
      cli,
      'sync',
      name,
      '--wait',
      '--timeout',
      '20s',
      '-n',
      h.appNamespace,
      '--kubeconfig',
      testCluster().kubeconfigPath,
    ];
    const { stdout } = await run(process.execPath, args, { timeout: 30_000 });
    assert.match(stdout, new RegExp(`${name}: Synced, Healthy at ${sha.slice(0, 12)}`));

    assert.deepEqual(await configMapData(h, 'manual'), { mode: 'manual' });
    const after = await h.getApp(name);
    assert.equal(after.status?.sync?.status, 'Synced');
    const records = await h.syncRecords(name);
    assert.deepEqual(
      records.map((r) => (r.spec as { trigger: string }).trigger),
      ['manual'],
    );
  });
});
