import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pollUntil } from '../../../src/core/wait.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { HOOK_SYNC_ANNOTATION } from '../../../src/plan/index.js';
import { assertSucceeded, configMap, engineHarness, job } from './harness.js';
import type { EngineHarness } from './harness.js';

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

  describe('hooks with generateName', () => {
    const generatedJob = (prefix: string, annotations: Record<string, string>): KubeObject => {
      const object = job('unused', { annotations });
      const { name: _name, ...metadata } = object.metadata;
      return { ...object, metadata: { ...metadata, generateName: prefix } } as unknown as KubeObject;
    };
    const runsOf = async (h: EngineHarness, prefix: string): Promise<KubeObject[]> =>
      (await h.observer.list('batch/v1', 'Job', { namespace: h.namespace })).filter((j) =>
        j.metadata.name.startsWith(prefix),
      );

    it('creates a fresh Job each sync and deletes the previous ones before (BeforeHookCreation)', async (t) => {
      const h = await engineHarness(t, 'generated-hook-app');
      await h.write('before.yaml', generatedJob('before-', { 'argocd.argoproj.io/hook': 'PreSync' }));
      await h.write('settings.yaml', configMap('settings', { value: '1' }));
      const first = await h.sync();
      assertSucceeded(first);
      const hookOutcome = first.outcomes.find((o) => o.phase === 'PreSync');
      assert.equal(hookOutcome?.action, 'hook-succeeded');
      assert.match(hookOutcome.subject, new RegExp(`^Job/${h.namespace}/before-[a-z0-9]{5}$`));
      const [firstRun, ...others] = await runsOf(h, 'before-');
      assert.ok(firstRun);
      assert.equal(others.length, 0);
      assert.equal(`Job/${h.namespace}/${firstRun.metadata.name}`, hookOutcome.subject);
      assert.match(firstRun.metadata.annotations?.[HOOK_SYNC_ANNOTATION] ?? '', /^local@\d{4}-/);
      assert.equal(firstRun.metadata.labels?.['app.mooring.dev/name'], 'generated-hook-app');
      assert.deepEqual(await h.inventoryIds(), [`${h.namespace}_settings__ConfigMap`]);

      const second = await h.sync();
      assertSucceeded(second);
      const runs = await runsOf(h, 'before-');
      assert.equal(runs.length, 1, 'the previous run was deleted before the new one was created');
      assert.notEqual(runs[0]?.metadata.name, firstRun.metadata.name);
      assert.deepEqual(await h.inventoryIds(), [`${h.namespace}_settings__ConfigMap`], 'never inventoried');
    });

    it('deletes the Job once it succeeded with HookSucceeded, and keeps a failed one with HookSucceeded only', async (t) => {
      const h = await engineHarness(t, 'generated-policy-app');
      await h.write(
        'after.yaml',
        generatedJob('after-', {
          'argocd.argoproj.io/hook': 'PostSync',
          'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
        }),
      );
      await h.write('settings.yaml', configMap('settings', { value: '1' }));
      assertSucceeded(await h.sync());
      await pollUntil(async () => ((await runsOf(h, 'after-')).length === 0 ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the succeeded generated hook to be deleted',
      });

      const failing = generatedJob('after-', {
        'argocd.argoproj.io/hook': 'PostSync',
        'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
      });
      (
        failing.spec as { template: { metadata: { labels: Record<string, string> } } }
      ).template.metadata.labels['mooring.dev/fault'] = 'fail';
      await h.write('after.yaml', failing);
      const failed = await h.sync({ timeoutMs: 20_000 });
      assert.equal(failed.error?.step, 'hook');
      assert.match(failed.error.subject ?? '', new RegExp(`^Job/${h.namespace}/after-[a-z0-9]{5}$`));
      assert.equal((await runsOf(h, 'after-')).length, 1, 'a failed run stays for inspection');
    });

    it('leaves hooks out of a diff after a successful apply unless asked to include them', async (t) => {
      const h = await engineHarness(t, 'generated-diff-app');
      await h.write('before.yaml', generatedJob('before-', { 'helm.sh/hook': 'pre-install,pre-upgrade' }));
      await h.write('settings.yaml', configMap('settings', { value: '1' }));
      assertSucceeded(await h.sync());
      const diff = await h.sync({ dryRun: true, prune: true, includeHooks: false });
      assertSucceeded(diff);
      assert.deepEqual(
        diff.outcomes.map((o) => `${o.subject} ${o.action}`),
        [`ConfigMap/${h.namespace}/settings unchanged`],
      );
      assert.equal(diff.stats.writes, 0);
      const withHooks = await h.sync({ dryRun: true, prune: true, includeHooks: true });
      assertSucceeded(withHooks);
      assert.deepEqual(
        withHooks.outcomes.map((o) => `${o.subject} ${o.action}`),
        [`Job/${h.namespace}/before-* created`, `ConfigMap/${h.namespace}/settings unchanged`],
      );
      assert.equal((await runsOf(h, 'before-')).length, 1, 'a dry run creates no Job');
    });

    it('refuses generateName on an object that is not a hook, before writing anything', async (t) => {
      const h = await engineHarness(t, 'generated-plain-app');
      await h.write('plain.yaml', generatedJob('plain-', {}));
      await h.write('settings.yaml', configMap('settings', { value: '1' }));
      const result = await h.sync();
      assert.equal(result.error?.step, 'render');
      assert.match(result.error.message, /uses metadata\.generateName but is not a hook/);
      assert.equal(await h.get('v1', 'ConfigMap', 'settings'), undefined);
    });
  });
});
