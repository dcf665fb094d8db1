import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  condition,
  configMap,
  configMapData,
  controllerHarness,
  GIT_PASSWORD,
  GIT_USER,
  readyAt,
} from './harness.js';

describe('controller: failures', () => {
  it('reports an unreachable Git server in status without credentials and leaves the cluster alone', async (t) => {
    const h = await controllerHarness(t, { basicAuth: true });
    const sha = await h.publish({ 'app.yaml': [configMap('kept', { v: '1' })] });
    const name = h.uniqueName('offline');
    await h.createApp(name, { interval: '2s' });
    await h.waitForApp(name, 'Ready through basic auth', readyAt(sha));
    const before = await h.get('v1', 'ConfigMap', 'kept');

    await h.git.close();
    const app = await h.waitForApp(
      name,
      'a source failure',
      (a) => condition(a, 'Synced')?.status === 'False',
      10_000,
    );
    const synced = condition(app, 'Synced');
    assert.equal(synced?.reason, 'SourceFailed');
    const summary = app.status?.summary ?? '';
    assert.match(summary, /source failed/);
    assert.ok(
      summary.includes(h.repoURL.replace(/\.git$/, '')),
      `the summary names the repository: ${summary}`,
    );
    assert.ok(!JSON.stringify(app.status).includes(GIT_PASSWORD), 'no credentials in status');
    assert.equal(app.status?.sync?.revision, sha, 'the last applied revision is still reported');
    assert.equal(app.status.inventory?.length, 1, 'the inventory is kept');
    const after = await h.get('v1', 'ConfigMap', 'kept');
    assert.equal(
      after?.metadata.resourceVersion,
      before?.metadata.resourceVersion,
      'the cluster is untouched',
    );
    await h.waitForEvent(name, 'SourceFailed');
    // Every event of the namespace, every SyncRecord and every log line, not just one of each, is clean:
    // neither the password nor the Basic auth header made from it appears anywhere.
    const secrets = [GIT_PASSWORD, Buffer.from(`${GIT_USER}:${GIT_PASSWORD}`).toString('base64')];
    const everyEvent = await h.observer.list('v1', 'Event', { namespace: h.appNamespace });
    assert.ok(everyEvent.length > 0);
    for (const event of everyEvent) {
      const text = JSON.stringify(event);
      for (const secret of secrets) assert.ok(!text.includes(secret), `credentials in event ${text}`);
    }
    for (const record of await h.syncRecords(name)) {
      const text = JSON.stringify(record);
      for (const secret of secrets) assert.ok(!text.includes(secret), `credentials in SyncRecord ${text}`);
    }
    assert.ok(h.logger.all.length > 0, 'the controller log was recorded');
    for (const line of h.logger.all) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `credentials in the log: ${line}`);
    }
  });

  it('stalls on a broken commit, keeps what was applied, and recovers on the next good commit', async (t) => {
    const h = await controllerHarness(t);
    const good = await h.publish({ 'app.yaml': [configMap('stable', { v: '1' })] });
    const name = h.uniqueName('broken');
    await h.createApp(name, { interval: '2s' });
    await h.waitForApp(name, 'Ready', readyAt(good));
    const before = await h.get('v1', 'ConfigMap', 'stable');

    const unreadable = await h.publish({
      'app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stable\ndata: [unclosed\n',
    });
    const stalled = await h.waitForApp(
      name,
      'Stalled on invalid YAML',
      (a) => condition(a, 'Stalled')?.status === 'True',
    );
    assert.equal(condition(stalled, 'Synced')?.reason, 'RenderFailed');
    assert.match(condition(stalled, 'Stalled')?.message ?? '', /render failed.*app\.yaml/);
    assert.ok(
      (stalled.status?.summary ?? '').includes(unreadable.slice(0, 12)),
      'the summary names the broken commit',
    );
    assert.ok(
      (stalled.status?.summary ?? '').includes(
        `live at ${good.slice(0, 12)} (synced), target ${unreadable.slice(0, 12)} failed: render failed`,
      ),
      `the summary names both revisions: ${stalled.status?.summary ?? ''}`,
    );
    assert.equal(stalled.status?.sync?.syncedRevision, good);
    assert.equal(stalled.status.sync.revision, unreadable);
    assert.equal(
      (await h.get('v1', 'ConfigMap', 'stable'))?.metadata.resourceVersion,
      before?.metadata.resourceVersion,
    );

    // A commit the API server refuses: nothing of it is applied, not even its valid objects.
    const rejected = await h.publish({
      'app.yaml': [configMap('stable', { v: '2' }), configMap('Not_A_Valid_Name', { v: '2' })],
    });
    const refused = await h.waitForApp(
      name,
      'Stalled on the rejected object',
      (a) =>
        condition(a, 'Stalled')?.status === 'True' &&
        (a.status?.summary ?? '').includes(rejected.slice(0, 12)),
    );
    assert.match(refused.status?.summary ?? '', /Not_A_Valid_Name/);
    assert.deepEqual(await configMapData(h, 'stable'), { v: '1' });
    const records = (await h.syncRecords(name)).map((r) => r.spec as { result: string; revision: string });
    assert.ok(
      records.some((r) => r.result === 'Rejected' && r.revision === rejected),
      JSON.stringify(records),
    );

    const recovered = await h.publish({ 'app.yaml': [configMap('stable', { v: '3' })] });
    const app = await h.waitForApp(name, 'Ready at the good commit', readyAt(recovered));
    assert.equal(condition(app, 'Stalled')?.status, 'False');
    assert.equal(condition(app, 'Synced')?.status, 'True');
    assert.deepEqual(await configMapData(h, 'stable'), { v: '3' });
  });
});
