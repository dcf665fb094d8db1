import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Application } from '../../../src/controller/app-types.js';
import { appRow, formatAppTable, isReady } from '../../../src/demo/app-rows.js';
import { DEMO_APPS, demoApplication, gitCredentialsSecret } from '../../../src/demo/apps.js';
import { recordLine } from '../../../src/demo/follow.js';
import { demoLayout } from '../../../src/demo/layout.js';
import { nextSteps } from '../../../src/demo/next-steps.js';

function app(generation: number, status: Application['status']): Application {
  return {
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'guestbook', namespace: 'mooring-system', generation },
    spec: {
      source: { repoURL: 'http://127.0.0.1:1/config.git', ref: { branch: 'main' } },
      destination: { namespace: 'guestbook' },
    },
    ...(status === undefined ? {} : { status }),
  };
}

describe('demo app rows', () => {
  it('shows an app whose status was written for an older generation as Unknown, not as the old result', () => {
    const row = appRow(
      'guestbook',
      app(2, { observedGeneration: 1, sync: { status: 'Synced' }, health: { status: 'Healthy' } }),
    );
    assert.equal(row.sync, 'Unknown');
    assert.equal(isReady(row), false);
  });

  it('is ready when Synced and Healthy for the current generation, and explains a Progressing app by its health message', () => {
    const ready = appRow(
      'guestbook',
      app(1, {
        observedGeneration: 1,
        sync: { status: 'Synced', shortRevision: 'abc123def456' },
        health: { status: 'Healthy' },
      }),
    );
    assert.deepEqual(ready, {
      name: 'guestbook',
      sync: 'Synced',
      health: 'Healthy',
      revision: 'abc123def456',
      message: '',
    });
    assert.equal(isReady(ready), true);
    const waiting = appRow(
      'guestbook',
      app(1, {
        observedGeneration: 1,
        sync: { status: 'Synced' },
        health: { status: 'Progressing', message: `waiting for rollout ${'x'.repeat(200)}` },
        summary: 'Synced at commit abc',
      }),
    );
    assert.equal(isReady(waiting), false);
    assert.ok(waiting.message.startsWith('waiting for rollout'));
    assert.ok(waiting.message.length <= 100);
  });

  it('aligns the table columns under their headers', () => {
    const text = formatAppTable([
      { name: 'guestbook', sync: 'Synced', health: 'Healthy', revision: 'abc', message: '' },
      { name: 'podinfo-prod', sync: 'OutOfSync', health: 'Degraded', revision: '', message: 'render failed' },
    ]);
    const [header, first, second] = text.split('\n');
    assert.equal(header?.indexOf('SYNC'), first?.indexOf('Synced'));
    assert.equal(header?.indexOf('MESSAGE'), second?.indexOf('render failed'));
    assert.ok(second?.includes(' - '), 'an unknown revision shows as -');
  });
});

describe('demo Applications', () => {
  it('follows main of the served repository with prune, self-heal, namespace creation and a short interval', () => {
    const hello = DEMO_APPS.find((a) => a.name === 'hello-helm');
    assert.ok(hello);
    const application = demoApplication(hello, 'http://127.0.0.1:9/config.git');
    assert.deepEqual(application.spec.source.helm, { valueFiles: ['values-prod.yaml'] });
    assert.deepEqual(application.spec.syncPolicy, {
      automated: true,
      prune: true,
      selfHeal: true,
      createNamespace: true,
    });
    assert.equal(application.spec.interval, '5s');
    assert.deepEqual(
      DEMO_APPS.map((a) => a.name),
      ['guestbook', 'podinfo-dev', 'podinfo-prod', 'hello-helm'],
    );
  });

  it('stores the Git credentials base64-encoded in data, bound to the demo repository', () => {
    const secret = gitCredentialsSecret('user', 'p@ss', 'http://127.0.0.1:1/demo.git');
    assert.deepEqual(secret.metadata.labels, { 'mooring.dev/credential-type': 'repository' });
    assert.deepEqual(secret.data, {
      username: 'dXNlcg==',
      password: 'cEBzcw==',
      url: Buffer.from('http://127.0.0.1:1/demo.git').toString('base64'),
      insecureAllowHTTP: 'dHJ1ZQ==',
    });
  });
});

describe('demo text', () => {
  const input = {
    clusterName: 'demo',
    kubeconfig: '/h/.mooring/clusters/demo/kubeconfig',
    workingDir: '/h/.mooring/demo/git/config',
    cli: 'node /src/dist/src/cli/main.js',
    hasRollback: false,
    repoURL: 'http://127.0.0.1:5/config.git',
    credentialsFile: '/h/.mooring/demo/git-credentials',
    controllerLog: '/h/.mooring/demo/controller.log',
    keepsRunning: true,
  };

  it('gives commands that name the cluster, the clone and the CLI, and leaves out rollback when the CLI has none', () => {
    const text = nextSteps(input);
    assert.ok(text.includes('export KUBECONFIG=/h/.mooring/clusters/demo/kubeconfig'));
    assert.ok(text.includes('alias mooring="node /src/dist/src/cli/main.js"'));
    assert.ok(text.includes('cd /h/.mooring/demo/git/config'));
    assert.ok(text.includes('mooring dev cluster down --name demo'));
    assert.ok(!text.includes('rollback'));
    assert.ok(!text.includes('export PATH'));
    assert.ok(nextSteps({ ...input, hasRollback: true }).includes('mooring rollback guestbook'));
    assert.ok(nextSteps({ ...input, toolchainBin: '/tc/bin' }).includes('export PATH="/tc/bin:$PATH"'));
    assert.ok(!text.includes('Dashboard'));
    assert.match(
      nextSteps({ ...input, dashboardURL: 'http://127.0.0.1:9/#token=t' }),
      /^Dashboard \(opens logged in, token valid 1 h\): http:\/\/127\.0\.0\.1:9\/#token=t$/m,
    );
  });

  it('puts the default demo in ~/.mooring/demo and others beside it', () => {
    assert.equal(demoLayout('demo', '/h').workingDir, '/h/demo/git/config');
    assert.equal(demoLayout('other', '/h').credentialsFile, '/h/demo-other/git-credentials');
    assert.throws(() => demoLayout('../x', '/h'), /invalid cluster name/);
  });

  it('shows a sync record as time, app, trigger, short revision, result and message', () => {
    const line = recordLine({
      application: 'guestbook',
      trigger: 'drift',
      revision: 'a4dd979abcdef',
      startedAt: '2026-01-02T03:04:05.000Z',
      result: 'Succeeded',
      message: 'corrected spec.replicas',
    });
    assert.match(line, /^03:04:05 {2}guestbook +drift +a4dd979abcde {2}Succeeded: corrected spec.replicas$/);
  });
});
