import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import type { DesiredObject } from '../../../src/api/diff.js';
import { diffDesired, liveDiffOf } from '../../../src/api/diff.js';
import type { SyncResult } from '../../../src/engine/types.js';

const desired = (object: KubeObject): DesiredObject => ({
  id: `${object.metadata.namespace ?? ''}_${object.metadata.name}__${object.kind}`,
  subject: `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`,
  object,
});

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop' },
  data,
});

const secret = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop' },
  data,
});

describe('diff between two revisions (desired vs desired)', () => {
  it('names each object added, removed or changed, field by field, and counts the unchanged', () => {
    const from = [
      configMap('kept', { a: '1' }),
      configMap('edited', { a: '1', b: '2' }),
      configMap('dropped', { x: 'y' }),
    ].map(desired);
    const to = [
      configMap('kept', { a: '1' }),
      configMap('edited', { a: '1', b: '3' }),
      configMap('new', { n: '1' }),
    ].map(desired);
    const diff = diffDesired(from, to);
    assert.deepEqual(diff.counts, { added: 1, removed: 1, changed: 1, unchanged: 1 });
    assert.deepEqual(
      diff.objects.map((o) => `${o.action} ${o.subject}`),
      ['removed ConfigMap/shop/dropped', 'changed ConfigMap/shop/edited', 'added ConfigMap/shop/new'],
    );
    const edited = diff.objects.find((o) => o.action === 'changed');
    assert.deepEqual(edited?.changes, [{ path: 'data.b', before: '2', after: '3' }]);
    assert.match(edited.unified, /--- from\/ConfigMap\/shop\/edited/);
    assert.match(edited.unified, /^-\s+b: "2"$/m);
    assert.match(edited.unified, /^\+\s+b: "3"$/m);
    const added = diff.objects.find((o) => o.action === 'added');
    assert.match(added?.unified ?? '', /^\+\s+n: "1"$/m);
  });

  it('never shows a Secret value: a changed key shows two different masks, an unchanged key none', () => {
    const diff = diffDesired(
      [desired(secret({ password: 'czNjcjN0', user: 'YWRtaW4=' }))],
      [desired(secret({ password: 'bjN3LXMzY3IzdA==', user: 'YWRtaW4=' }))],
    );
    const text = JSON.stringify(diff);
    for (const value of ['czNjcjN0', 'bjN3LXMzY3IzdA==', 'YWRtaW4=']) assert.ok(!text.includes(value), value);
    const [changed] = diff.objects;
    assert.equal(changed?.changes.length, 1);
    const [field] = changed.changes;
    assert.ok(field !== undefined);
    assert.equal(field.path, 'data.password');
    assert.notEqual(field.before, field.after);
    assert.match(String(field.before), /hidden/);
  });

  it('masks a removed or added Secret whole', () => {
    const diff = diffDesired([desired(secret({ token: 'c2VjcmV0' }))], []);
    assert.equal(diff.objects[0]?.action, 'removed');
    assert.ok(!JSON.stringify(diff).includes('c2VjcmV0'));
  });
});

describe('live diff as JSON', () => {
  it('keeps the engine outcomes and the changed objects, with Secret values masked everywhere', () => {
    const live = secret({ password: 'b2xk' });
    const dryRun = secret({ password: 'bmV3' });
    const result: SyncResult = {
      appName: 'shop',
      revision: {
        sha: 'a'.repeat(40),
        authorName: 'Ada',
        authorEmail: 'ada@example.com',
        authorDate: '2026-12-01T00:00:00Z',
        subject: 'rotate',
        message: 'rotate',
      },
      dryRun: true,
      outcomes: [
        { subject: 'Secret/shop/db', id: 'shop_db__Secret', action: 'configured', phase: 'Sync', wave: 0 },
      ],
      validated: [
        {
          planned: {
            object: dryRun,
            ref: { group: '', kind: 'Secret', namespace: 'shop', name: 'db' },
            id: 'shop_db__Secret',
            phase: 'Sync',
            wave: 0,
            options: {} as never,
          },
          live,
          dryRun,
          diff: {
            action: 'change',
            changes: [{ path: 'data.password', before: '*** (hidden)', after: '*** (hidden, changed)' }],
            drift: [],
          },
        },
      ],
      inventory: [],
      warnings: [],
      stats: { requests: {}, writes: 0, durationMs: 1 },
    };
    const diff = liveDiffOf(result);
    assert.equal(diff.revision?.subject, 'rotate');
    assert.equal(diff.outcomes[0]?.action, 'configured');
    assert.equal(diff.diffs[0]?.subject, 'Secret/shop/db');
    assert.match(diff.diffs[0].unified, /live\/Secret\/shop\/db/);
    const text = JSON.stringify(diff);
    assert.ok(!text.includes('b2xk') && !text.includes('bmV3'));
  });
});
