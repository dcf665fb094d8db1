import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pollUntil } from '../../../src/core/wait.js';
import { assertSucceeded, configMap, engineHarness, job } from './harness.js';

const PRE_SYNC_DELETE_ON_SUCCESS = {
  'argocd.argoproj.io/hook': 'PreSync',
  'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
};

describe('sync engine: hooks', () => {
  it('runs a PreSync Job before the app objects and deletes it once it succeeded', async (t) => {
    const h = await engineHarness(t, 'presync-app');
    await h.write('migrate.yaml', job('migrate', { annotations: PRE_SYNC_DELETE_ON_SUCCESS }));
    await h.write('settings.yaml', configMap('settings', { value: '1' }));
    const result = await h.sync();
    assertSucceeded(result);
    assert.deepEqual(
      result.outcomes.map((o) => `${o.phase} ${o.subject} ${o.action}`),
      [`PreSync Job/${h.namespace}/migrate hook-succeeded`, `Sync ConfigMap/${h.namespace}/settings created`],
    );
    await pollUntil(
      async () => ((await h.get('batch/v1', 'Job', 'migrate')) === undefined ? true : undefined),
      {
        timeoutMs: 10_000,
        what: 'the succeeded hook to be deleted',
      },
    );
    assert.ok(
      !(await h.inventoryIds())?.some((id) => id.includes('migrate')),
      'hooks are not in the inventory',
    );
  });

  it('keeps a PostSync hook with the default policy until the next sync runs it again', async (t) => {
    const h = await engineHarness(t, 'postsync-app');
    await h.write('notify.yaml', job('notify', { annotations: { 'argocd.argoproj.io/hook': 'PostSync' } }));
    await h.write('settings.yaml', configMap('settings', { value: '1' }));
    const first = await h.sync();
    assertSucceeded(first);
    assert.equal(first.outcomes.at(-1)?.subject, `Job/${h.namespace}/notify`);
    assert.equal(first.outcomes.at(-1)?.action, 'hook-succeeded');
    const firstRun = await h.get('batch/v1', 'Job', 'notify');
    assert.ok(firstRun, 'the hook stays after the sync');

    const second = await h.sync();
    assertSucceeded(second);
    const secondRun = await h.get('batch/v1', 'Job', 'notify');
    assert.ok(secondRun);
    assert.notEqual(secondRun.metadata.uid, firstRun.metadata.uid, 'the next sync deleted and re-created it');
  });

  it('stops the sync at a failing hook and applies nothing after it', async (t) => {
    const h = await engineHarness(t, 'failing-hook-app');
    await h.write(
      'migrate.yaml',
      job('migrate', {
        annotations: { 'argocd.argoproj.io/hook': 'PreSync' },
        podLabels: { 'mooring.dev/fault': 'fail' },
      }),
    );
    await h.write('settings.yaml', configMap('settings', { value: '1' }));
    await h.write('later.yaml', configMap('later', { value: '2' }, { 'mooring.dev/sync-wave': '1' }));
    const result = await h.sync({ timeoutMs: 20_000 });
    assert.equal(result.error?.step, 'hook');
    assert.equal(result.error.subject, `Job/${h.namespace}/migrate`);
    assert.equal(
      result.outcomes.find((o) => o.subject === `Job/${h.namespace}/migrate`)?.action,
      'hook-failed',
    );
    assert.equal(await h.get('v1', 'ConfigMap', 'settings'), undefined);
    assert.equal(await h.get('v1', 'ConfigMap', 'later'), undefined);
  });
});
