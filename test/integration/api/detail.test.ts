import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RevisionDiff, LiveDiff } from '../../../src/api/diff.js';
import type { TreeNode } from '../../../src/api/tree.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { configMap, controllerHarness, deployment, readyAt } from '../controller/harness.js';
import { apiHarness, serviceAccountToken } from './detail-harness.js';

const secret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  stringData: data,
});

describe('API: one app in detail (real cluster, real git)', () => {
  it('serves the resource tree of a Deployment down to its ReplicaSet and Pods, with health', async (t) => {
    const h = await controllerHarness(t);
    const api = await apiHarness(t, h);
    const token = await serviceAccountToken(h.appNamespace, 'reader', ['get', 'list']);
    const name = h.uniqueName('tree');
    const commit = await h.publish({ 'web.yaml': [deployment('web', 2), configMap('settings', { a: '1' })] });
    await h.createApp(name);
    await h.waitForApp(
      name,
      'synced and healthy',
      (app) => readyAt(commit)(app) && app.status?.health?.status === 'Healthy',
      60_000,
    );

    const tree = await h.waitFor(
      'a tree with both pods',
      async () => {
        const answer = await api.getJson<{ nodes: TreeNode[]; count: number }>(
          `/api/v1/applications/${h.appNamespace}/${name}/tree`,
          token,
        );
        const web = answer.nodes.find((n) => n.kind === 'Deployment');
        const pods = web?.children.flatMap((rs) => rs.children) ?? [];
        return pods.length === 2 ? answer : undefined;
      },
      30_000,
    );
    const web = tree.nodes.find((n) => n.kind === 'Deployment');
    assert.ok(web !== undefined);
    assert.equal(web.managed, true);
    assert.equal(web.sync, 'Synced');
    assert.equal(web.health, 'Healthy');
    assert.equal(web.children.length, 1);
    const [rs] = web.children;
    assert.ok(rs !== undefined);
    assert.equal(rs.kind, 'ReplicaSet');
    assert.equal(rs.managed, false);
    assert.ok(rs.name.startsWith('web-'));
    for (const pod of rs.children) {
      assert.equal(pod.kind, 'Pod');
      assert.equal(pod.health, 'Healthy');
      assert.equal(pod.namespace, h.destNamespace);
    }
    const settings = tree.nodes.find((n) => n.kind === 'ConfigMap');
    assert.deepEqual(settings?.children, []);
    assert.equal(tree.count, 5);

    // Without a token: 401; with a token that may not get the Application: 403, nothing about the app.
    const anonymous = await fetch(`${api.base}/api/v1/applications/${h.appNamespace}/${name}/tree`);
    assert.equal(anonymous.status, 401);
    const stranger = await serviceAccountToken(h.appNamespace, 'stranger', ['create']);
    const refused = await fetch(`${api.base}/api/v1/applications/${h.appNamespace}/${name}/tree`, {
      headers: { authorization: `Bearer ${stranger}` },
    });
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as { code: string; message: string };
    assert.equal(body.code, 'FORBIDDEN');
  });

  it('diffs two history entries after two commits (Secret values masked) and the live state against Git', async (t) => {
    const h = await controllerHarness(t);
    const api = await apiHarness(t, h);
    const token = await serviceAccountToken(h.appNamespace, 'reader', ['get', 'list']);
    const name = h.uniqueName('diff');
    const first = await h.publish({
      'objects.yaml': [
        configMap('settings', { color: 'blue', size: 'L' }),
        configMap('retired', { x: '1' }),
        secret('db', { password: 'first-password-value' }),
      ],
    });
    await h.createApp(name);
    await h.waitForApp(name, 'synced at the first commit', readyAt(first), 30_000);
    const second = await h.publish({
      'objects.yaml': [
        configMap('settings', { color: 'green', size: 'L' }),
        configMap('added', { y: '2' }),
        secret('db', { password: 'second-password-value' }),
      ],
    });
    await h.waitForApp(name, 'synced at the second commit', readyAt(second), 30_000);
    const records = await h.waitFor('a SyncRecord of each commit', async () => {
      const found = await h.syncRecords(name);
      const of = (sha: string) =>
        found.find((r) => (r.spec as { revision?: string }).revision === sha)?.metadata.name;
      const a = of(first);
      const b = of(second);
      return a !== undefined && b !== undefined ? { a, b } : undefined;
    });

    const diff = await api.getJson<RevisionDiff>(
      `/api/v1/applications/${h.appNamespace}/${name}/diff?from=${records.a}&to=${records.b}`,
      token,
    );
    assert.equal(diff.from.revision, first);
    assert.equal(diff.from.record, records.a);
    assert.equal(diff.to.revision, second);
    assert.deepEqual(
      diff.objects.map((o) => `${o.action} ${o.subject}`),
      [
        `added ConfigMap/${h.destNamespace}/added`,
        `removed ConfigMap/${h.destNamespace}/retired`,
        `changed ConfigMap/${h.destNamespace}/settings`,
        `changed Secret/${h.destNamespace}/db`,
      ],
    );
    const settings = diff.objects.find((o) => o.subject.endsWith('/settings'));
    assert.deepEqual(settings?.changes, [{ path: 'data.color', before: 'blue', after: 'green' }]);
    const db = diff.objects.find((o) => o.subject.endsWith('/db'));
    assert.deepEqual(
      db?.changes.map((c) => c.path),
      ['stringData.password'],
    );
    const text = JSON.stringify(diff);
    assert.ok(
      !text.includes('first-password-value') && !text.includes('second-password-value'),
      'no Secret value',
    );
    assert.deepEqual(diff.counts, { added: 1, removed: 1, changed: 2, unchanged: 0 });

    // A short commit id from the history, and `to` left out (the current revision): the same diff.
    const short = await api.getJson<RevisionDiff>(
      `/api/v1/applications/${h.appNamespace}/${name}/diff?from=${first.slice(0, 10)}`,
      token,
    );
    assert.equal(short.to.revision, second);
    assert.deepEqual(short.counts, diff.counts);

    // Something not in the history is refused before it reaches Git.
    const bad = await fetch(
      `${api.base}/api/v1/applications/${h.appNamespace}/${name}/diff?from=--upload-pack=x`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    assert.equal(bad.status, 400);

    // Live vs Git: the engine's dry-run as the Project's ServiceAccount finds every object unchanged.
    const live = await api.getJson<LiveDiff>(`/api/v1/applications/${h.appNamespace}/${name}/diff`, token);
    assert.equal(live.revision?.sha, second);
    assert.ok(live.outcomes.length >= 3);
    assert.ok(
      live.outcomes.every((o) => o.action === 'unchanged'),
      JSON.stringify(live.outcomes),
    );
    assert.ok(!JSON.stringify(live).includes('second-password-value'));
  });
});
