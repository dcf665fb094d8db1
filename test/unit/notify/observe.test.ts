import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ObjectOutcome, ValidatedObject } from '../../../src/apply/types.js';
import type { Application } from '../../../src/app/model.js';
import { parseApplication } from '../../../src/app/model.js';
import type { AppMemory } from '../../../src/controller/reconciler.js';
import type { ReconcileReport } from '../../../src/controller/report.js';
import { healReport, syncReport } from '../../../src/controller/report.js';
import type { SyncResult } from '../../../src/engine/types.js';
import { observe } from '../../../src/notify/observe.js';
import type { ResolvedSource } from '../../../src/source/types.js';

const app = (status: Record<string, unknown> = {}): Application =>
  parseApplication({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'apps', labels: { tier: 'frontend' } },
    spec: {
      source: { repoURL: 'https://github.com/acme/deploy.git', ref: { branch: 'main' } },
      destination: { namespace: 'web' },
    },
    status,
  });
const memory = (): AppMemory => ({ planned: new Map(), outOfSync: new Map(), failures: 0, commit: 'c0ffee' });
const sha = '0123456789abcdef0123456789abcdef01234567';
const fetched = {
  commit: { sha, authorName: 'Ada', authorEmail: 'ada@example.org', subject: 'web 1.26' },
} as unknown as ResolvedSource;
const outcome = (
  action: ObjectOutcome['action'],
  subject: string,
  extra: Partial<ObjectOutcome> = {},
): ObjectOutcome => ({
  subject,
  id: subject,
  action,
  phase: 'Sync',
  wave: 0,
  ...extra,
});
const result = (outcomes: ObjectOutcome[], extra: Partial<SyncResult> = {}): SyncResult => ({
  appName: 'web',
  dryRun: false,
  outcomes,
  validated: [],
  inventory: [],
  warnings: [],
  stats: { requests: {}, writes: 0, durationMs: 0 },
  ...extra,
});
const times = { startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:00:01.000Z' };

describe('observe (a report as notifications see it)', () => {
  it('reads the sync: result, commit and author, objects by action, images before -> after', () => {
    const validated = {
      planned: { ref: { kind: 'Deployment', name: 'web' } },
      diff: {
        changes: [
          { path: 'spec.template.spec.containers[0].image', before: 'nginx:1.25', after: 'nginx:1.26' },
          { path: 'spec.replicas', before: 2, after: 3 },
        ],
      },
    } as unknown as ValidatedObject;
    const report = syncReport({
      app: app({ health: { status: 'Healthy' }, sync: { status: 'Synced', revision: sha } }),
      memory: memory(),
      trigger: 'webhook',
      fetched,
      result: result(
        [
          outcome('created', 'Service/web/web'),
          outcome('configured', 'Deployment/web/web'),
          outcome('pruned', 'ConfigMap/web/old'),
          outcome('unchanged', 'ConfigMap/web/settings'),
        ],
        { validated: [validated] },
      ),
      ...times,
    });
    const o = observe(report);
    assert.deepEqual(o.sync, { result: 'Succeeded', message: '', recorded: true });
    assert.equal(o.revision, sha);
    assert.deepEqual(o.commit, { author: 'Ada <ada@example.org>', message: 'web 1.26' });
    assert.deepEqual(o.changes, {
      created: ['Service/web/web'],
      changed: ['Deployment/web/web'],
      pruned: ['ConfigMap/web/old'],
      failed: [],
    });
    assert.deepEqual(o.images, [
      {
        subject: 'Deployment/web',
        path: 'spec.template.spec.containers[0].image',
        before: 'nginx:1.25',
        after: 'nginx:1.26',
      },
    ]);
    assert.deepEqual(o.health, { status: 'Healthy' });
    assert.deepEqual(
      [o.app, o.labels, o.repoURL],
      ['apps/web', { tier: 'frontend' }, 'https://github.com/acme/deploy.git'],
    );
  });

  it('reads a failed sync as Failed with its message', () => {
    const report = syncReport({
      app: app(),
      memory: memory(),
      trigger: 'poll',
      fetched,
      result: result([], {
        error: { step: 'render', retry: 'terminal', message: 'app.yaml: YAML syntax error' },
      }),
      ...times,
    });
    assert.deepEqual(observe(report).sync, {
      result: 'Failed',
      message: 'app.yaml: YAML syntax error',
      recorded: true,
    });
  });

  it('reads a dry run as no sync at all', () => {
    const report = syncReport({
      app: app(),
      memory: memory(),
      trigger: 'poll',
      fetched,
      result: result([], { dryRun: true }),
      ...times,
    });
    assert.equal(observe(report).sync, undefined);
  });

  it('reads a heal as drift: corrected objects, fields and who changed them; uncorrected ones as detected', () => {
    const report = healReport({
      app: app(),
      memory: memory(),
      outcomes: [
        outcome('configured', 'Deployment/web/web', {
          drift: [{ path: 'spec.replicas', changedBy: [{ manager: 'kubectl-scale', operation: 'Update' }] }],
        }),
        outcome('unchanged', 'ConfigMap/web/settings', { message: 'drift left alone (detect mode)' }),
      ],
      ...times,
    });
    const o = observe(report);
    assert.equal(o.sync, undefined);
    assert.deepEqual(o.drift.corrected, [
      { subject: 'Deployment/web/web', fields: [{ path: 'spec.replicas', changedBy: ['kubectl-scale'] }] },
    ]);
    assert.deepEqual(o.drift.detected, [
      { subject: 'ConfigMap/web/settings', fields: [], message: 'drift left alone (detect mode)' },
    ]);
  });

  it('reads a report kind it does not know from its status, without throwing', () => {
    const report = {
      ...healReport({
        app: app({ health: { status: 'Degraded', message: '0/3 ready' } }),
        memory: memory(),
        outcomes: [],
        ...times,
      }),
      kind: 'health',
      outcomes: undefined,
    } as unknown as ReconcileReport;
    const o = observe(report);
    assert.equal(o.kind, 'health');
    assert.deepEqual(o.health, { status: 'Degraded', message: '0/3 ready' });
    assert.deepEqual(o.drift, { detected: [], corrected: [] });
  });
});
