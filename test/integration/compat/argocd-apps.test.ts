/**
 * Apps written the way Argo CD's examples are (test/fixtures/argocd-apps) work on Mooring unchanged, in push
 * mode as a CI job runs it: `mooring apply --wait` makes them healthy, `mooring diff` then exits 0, and a
 * second apply writes nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import type { SyncResult } from '../../../src/engine/types.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function mooring(args: string[]): Promise<CliRun> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 300_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function report(run: CliRun): SyncResult {
  try {
    return JSON.parse(run.stdout) as SyncResult;
  } catch {
    assert.fail(`not a JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

interface AppCase {
  folder: string;
  /** Hooks that must have run on the first apply, by subject prefix (`Job/<ns>/before-`). */
  hooks?: string[];
  /** Extra CLI arguments (Helm values). */
  args?: string[];
}

const APPS: AppCase[] = [
  { folder: 'guestbook' },
  { folder: 'kustomize-guestbook' },
  { folder: 'helm-guestbook', args: ['--helm-values', 'values-production.yaml'] },
  { folder: 'jsonnet-guestbook' },
  {
    folder: 'sync-waves',
    hooks: ['Job/{ns}/upgrade-sql-schema-', 'Job/{ns}/maint-page-up', 'Job/{ns}/maint-page-down-'],
  },
  { folder: 'pre-post-sync', hooks: ['Job/{ns}/before-', 'Job/{ns}/after-'] },
  {
    folder: 'helm-hooks',
    hooks: [
      'ConfigMap/{ns}/helm-hooks-migration-settings',
      'Job/{ns}/helm-hooks-migrate-',
      'Job/{ns}/helm-hooks-smoke-test-',
    ],
  },
  { folder: 'microservices-demo' },
];

async function applyDiffReapply(t: TestContext, app: AppCase): Promise<void> {
  const namespace = await testNamespace(t);
  const source = join(packageRoot(), 'test', 'fixtures', 'argocd-apps', app.folder);
  const common = [
    '--app',
    app.folder,
    '-n',
    namespace,
    '--kubeconfig',
    testCluster().kubeconfigPath,
    '-o',
    'json',
    ...(app.args ?? []),
  ];

  const applied = await mooring(['apply', source, ...common, '--prune', '--wait', '--timeout', '2m']);
  const first = report(applied);
  assert.equal(applied.code, 0, `${JSON.stringify(first.error)}\n${applied.stderr}`);
  assert.equal(first.health?.status, 'Healthy', first.health?.message);
  const hookRuns = first.outcomes.filter((o) => o.action === 'hook-succeeded').map((o) => o.subject);
  const expected = (app.hooks ?? []).map((h) => h.replace('{ns}', namespace));
  assert.equal(hookRuns.length, expected.length, `hooks run: ${hookRuns.join(', ')}`);
  for (const prefix of expected)
    assert.ok(
      hookRuns.some((s) => s.startsWith(prefix)),
      `${prefix}… ran (hooks run: ${hookRuns.join(', ')})`,
    );

  const diff = await mooring(['diff', source, ...common]);
  const diffReport = report(diff);
  const changed = diffReport.outcomes.filter((o) => o.action !== 'unchanged');
  assert.equal(diff.code, 0, `diff reports changes: ${JSON.stringify(changed)}\n${diff.stderr}`);
  assert.ok(diffReport.outcomes.length > 0);
  if (expected.length > 0) {
    assert.match(diff.stderr, new RegExp(`${expected.length} hook\\(s\\) left out: they run on every sync`));
    const withHooks = await mooring(['diff', source, ...common, '--include-hooks']);
    assert.equal(withHooks.code, 1, 'hooks would run again: a change when asked to include them');
    const hooksShown = report(withHooks).outcomes.filter(
      (o) => o.phase !== 'Sync' || o.action !== 'unchanged',
    );
    assert.ok(hooksShown.length >= expected.length, JSON.stringify(hooksShown));
  }

  const again = await mooring(['apply', source, ...common, '--prune']);
  const second = report(again);
  assert.equal(again.code, 0, JSON.stringify(second.error));
  // Hooks run on every sync (that is their point, in Argo CD too); the steady state itself writes nothing.
  assert.equal(
    second.stats.writes - (second.stats.hookWrites ?? 0),
    0,
    `writes outside hooks: ${JSON.stringify(second.stats.requests)}`,
  );
  assert.deepEqual(
    second.outcomes.filter((o) => !o.action.startsWith('hook-')).map((o) => `${o.subject} ${o.action}`),
    second.outcomes.filter((o) => !o.action.startsWith('hook-')).map((o) => `${o.subject} unchanged`),
  );
  if (expected.length === 0) assert.equal(second.stats.writes, 0);
  else assert.ok((second.stats.hookWrites ?? 0) >= expected.length, 'each hook ran again');
}

describe('Argo CD-style apps in push mode', () => {
  for (const app of APPS) {
    it(`${app.folder}: apply --wait is healthy, diff exits 0, re-apply writes nothing`, (t) =>
      applyDiffReapply(t, app));
  }
});
