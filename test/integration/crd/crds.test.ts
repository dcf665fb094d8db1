import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { parseAllDocuments, stringify } from 'yaml';

import { packageRoot } from '../../../src/core/package-root.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { applicationSpecSchema, parseApplication } from '../../../src/crd/application.js';
import { parseSyncRecord } from '../../../src/crd/syncrecord.js';
import { testNamespace } from '../../helpers/kube.js';
import { INVALID_SPECS, minimalSpec, sampleRecordSpec } from '../../unit/crd/samples.js';
import { kubectl, kubectlOk, kustomizePath } from './kubectl.js';

const run = promisify(execFile);
const deployDir = join(packageRoot(), 'deploy');

function application(name: string, namespace: string, spec: unknown): string {
  return stringify({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace },
    spec,
  });
}

function syncRecord(name: string, namespace: string, spec: unknown): string {
  return stringify({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'SyncRecord',
    metadata: { name, namespace },
    spec,
  });
}

async function getObject(kind: string, name: string, namespace: string): Promise<KubeObject> {
  return JSON.parse(await kubectlOk(['get', kind, name, '-n', namespace, '-o', 'json'])) as KubeObject;
}

/**
 * CRDs are cluster-scoped and other tests (the controller's) use them too: apply them idempotently and
 * leave them. --force-conflicts: whoever applied them last with another field manager must not block this.
 */
async function installCrds(): Promise<void> {
  await kubectlOk([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=mooring-install',
    '-f',
    join(deployDir, 'crds', 'applications.yaml'),
    '-f',
    join(deployDir, 'crds', 'syncrecords.yaml'),
    '-f',
    join(deployDir, 'crds', 'projects.yaml'),
  ]);
  await kubectlOk([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/applications.mooring.dev',
    'crd/syncrecords.mooring.dev',
    'crd/projects.mooring.dev',
  ]);
}

describe('Mooring CRDs on a real API server', () => {
  before(installCrds);

  it('accepts a minimal Application and fills in the same defaults as the zod schema', async (t) => {
    const namespace = await testNamespace(t);
    await kubectlOk(['apply', '--server-side', '-f', '-'], application('web', namespace, minimalSpec()));
    const stored = await getObject('applications.mooring.dev', 'web', namespace);
    const spec = stored.spec as Record<string, unknown>;
    assert.equal(spec.interval, '3m');
    assert.deepEqual(spec.syncPolicy, {
      automated: true,
      prune: false,
      selfHeal: true,
      createNamespace: false,
    });
    assert.deepEqual(spec, applicationSpecSchema.parse(minimalSpec()));
    assert.deepEqual(parseApplication(stored).spec, spec);
  });

  it('keeps free-form Helm values and fills in nested retry defaults', async (t) => {
    const namespace = await testNamespace(t);
    const input = {
      ...minimalSpec(),
      source: {
        ...minimalSpec().source,
        helm: { values: { replicas: 3, image: { tag: 'v2', pull: ['a'] } } },
      },
      syncPolicy: { prune: true, retry: {} },
    };
    await kubectlOk(['apply', '--server-side', '-f', '-'], application('chart', namespace, input));
    const stored = await getObject('applications.mooring.dev', 'chart', namespace);
    assert.deepEqual(stored.spec, applicationSpecSchema.parse(input));
  });

  it('refuses invalid Applications at kubectl apply with a message that says what is wrong', async (t) => {
    const namespace = await testNamespace(t);
    for (const [index, sample] of INVALID_SPECS.entries()) {
      const result = await kubectl(
        ['apply', '--server-side', '-f', '-'],
        application(`bad-${index}`, namespace, sample.spec),
      );
      assert.notEqual(result.code, 0, `${sample.what} was accepted`);
      assert.ok(result.stderr.includes(sample.message), `${sample.what}: ${result.stderr}`);
    }
    assert.equal(
      (await kubectlOk(['get', 'applications.mooring.dev', '-n', namespace, '-o', 'name'])).trim(),
      '',
    );
  });

  it('shows sync, health, short revision and, with -o wide, the summary', async (t) => {
    const namespace = await testNamespace(t);
    await kubectlOk(['apply', '--server-side', '-f', '-'], application('web', namespace, minimalSpec()));
    const status = {
      sync: { status: 'OutOfSync', revision: '0123456789abcdef', shortRevision: '01234567' },
      health: { status: 'Degraded', message: '1/2 pods ready' },
      summary: 'Deployment/web/web is not ready',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'HealthCheckFailed',
          message: 'Deployment/web/web is not ready',
          lastTransitionTime: '2026-01-02T03:04:05Z',
        },
      ],
    };
    const patch = JSON.stringify({ status });
    await kubectlOk([
      'patch',
      'applications.mooring.dev',
      'web',
      '-n',
      namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      patch,
    ]);
    const wide = await kubectlOk(['get', 'applications.mooring.dev', 'web', '-n', namespace, '-o', 'wide']);
    assert.match(wide, /NAME\s+SYNC\s+HEALTH\s+REVISION\s+AGE\s+MESSAGE/);
    assert.match(wide, /web\s+OutOfSync\s+Degraded\s+01234567\s+\S+\s+Deployment\/web\/web is not ready/);
    const narrow = await kubectlOk(['get', 'applications.mooring.dev', 'web', '-n', namespace]);
    assert.doesNotMatch(narrow, /MESSAGE/);
    assert.deepEqual(
      parseApplication(await getObject('applications.mooring.dev', 'web', namespace)).status,
      status,
    );
  });

  it('creates a SyncRecord, refuses any change to its spec, and still lets labels change', async (t) => {
    const namespace = await testNamespace(t);
    const spec = sampleRecordSpec();
    await kubectlOk(['apply', '--server-side', '-f', '-'], syncRecord('web-1', namespace, spec));
    const stored = await getObject('syncrecords.mooring.dev', 'web-1', namespace);
    assert.deepEqual(parseSyncRecord(stored).spec, spec);

    const changed = await kubectl(
      ['apply', '--server-side', '-f', '-'],
      syncRecord('web-1', namespace, { ...spec, result: 'Failed' }),
    );
    assert.notEqual(changed.code, 0);
    assert.match(changed.stderr, /a SyncRecord is history: its spec cannot change/);
    await kubectlOk(['label', 'syncrecords.mooring.dev', 'web-1', '-n', namespace, 'mooring.dev/keep=true']);

    const listed = await kubectlOk([
      'get',
      'syncrecords.mooring.dev',
      '-n',
      namespace,
      '--field-selector',
      'spec.application=web',
      '-o',
      'name',
    ]);
    assert.equal(listed.trim(), 'syncrecord.mooring.dev/web-1');
  });

  it('refuses a SyncRecord with an action the engine does not have', async (t) => {
    const namespace = await testNamespace(t);
    const spec = { ...sampleRecordSpec(), objects: [{ subject: 'ConfigMap/web/x', action: 'deleted' }] };
    const result = await kubectl(['apply', '--server-side', '-f', '-'], syncRecord('bad', namespace, spec));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /spec\.objects\[0\]\.action: Unsupported value: "deleted"/);
  });
});

/** The objects a kustomization renders, moved into `namespace` (cluster-scoped ones and Namespaces aside). */
async function renderedInstall(folder: string, namespace: string): Promise<KubeObject[]> {
  const { stdout } = await run(kustomizePath(), ['build', folder], { maxBuffer: 16 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((doc) => doc.toJS() as KubeObject);
  const moved = JSON.stringify(objects)
    .replaceAll('"mooring-system"', `"${namespace}"`)
    .replaceAll('"team-a"', `"${namespace}"`);
  return (JSON.parse(moved) as KubeObject[]).filter(
    (o) => o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition',
  );
}

describe('install manifests on a real API server', () => {
  before(installCrds);

  for (const [mode, folder] of [
    ['cluster-wide', deployDir],
    ['namespace-scoped', join(deployDir, 'rbac', 'namespaced')],
  ] as const) {
    it(`pass server-side validation in ${mode} mode (kustomize build, dry run)`, async (t) => {
      const namespace = await testNamespace(t);
      const objects = await renderedInstall(folder, namespace);
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'Service'])
        assert.ok(kinds.has(kind), kind);
      assert.equal(kinds.has('ClusterRole'), mode === 'cluster-wide');
      const manifest = objects.map((o) => stringify(o)).join('---\n');
      const result = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], manifest);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim().split('\n').length, objects.length, result.stdout);
    });
  }
});
