/**
 * Custom health checks in the engine's waits, on the real cluster: a custom resource that the built-in rules
 * call Healthy is Degraded by a CEL or Lua check, and that stops the wave after it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { requireRenderHelper } from '../../../src/devcluster/render-helper.js';
import { syncApplication } from '../../../src/engine/sync.js';
import type { SyncResult } from '../../../src/engine/types.js';
import {
  loadCustomHealthChecks,
  type CustomHealthChecks,
  type HealthCheckSources,
} from '../../../src/health/custom/index.js';
import { testCluster } from '../../helpers/kube.js';
import { APP_PATH, assertSucceeded, configMap, engineHarness, type EngineHarness } from './harness.js';

const WAVE_1 = { 'mooring.dev/sync-wave': '1' };

/** A CRD of a group of its own (CRDs are cluster-scoped), removed when the test ends. */
async function gaugeGroup(t: TestContext, h: EngineHarness): Promise<string> {
  const group = `t${randomBytes(4).toString('hex')}.mooring.example`;
  t.after(async () => {
    await h.observer.delete('apiextensions.k8s.io/v1', {
      group: 'apiextensions.k8s.io',
      kind: 'CustomResourceDefinition',
      namespace: '',
      name: `gauges.${group}`,
    });
  });
  await h.write('crd.yaml', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gauges.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gauges', singular: 'gauge', kind: 'Gauge', listKind: 'GaugeList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { reading: { type: 'string' } } } },
            },
          },
        },
      ],
    },
  });
  return group;
}

function gauge(group: string, reading: string): KubeObject {
  return { apiVersion: `${group}/v1`, kind: 'Gauge', metadata: { name: 'pressure' }, spec: { reading } };
}

async function syncWith(h: EngineHarness, checks: CustomHealthChecks | undefined): Promise<SyncResult> {
  return syncApplication(
    {
      objects: h.engine,
      tools: { renderHelper: requireRenderHelper() },
      ...(checks === undefined ? {} : { healthChecks: checks }),
    },
    {
      appName: h.appName,
      source: { root: h.root, path: APP_PATH },
      renderOptions: {},
      namespace: h.namespace,
      createNamespace: false,
      prune: false,
      pruneThreshold: 0.5,
      allowMassPrune: false,
      dryRun: false,
      wait: false,
      timeoutMs: 3000,
      concurrency: 8,
    },
  );
}

async function checksFor(t: TestContext, sources: HealthCheckSources): Promise<CustomHealthChecks> {
  const checks = await loadCustomHealthChecks(sources);
  t.after(() => checks.sandbox?.close());
  return checks;
}

function celChecks(group: string): HealthCheckSources {
  return {
    cel: [
      {
        origin: 'test',
        entries: [
          {
            apiVersion: `${group}/v1`,
            kind: 'Gauge',
            failed: "spec.reading == 'overload'",
            current: "spec.reading == 'normal'",
          },
        ],
      },
    ],
  };
}

describe('sync engine: custom health checks in wave waits', () => {
  it('applies the next wave when no custom check applies (the built-in rules call the Gauge Healthy)', async (t) => {
    const h = await engineHarness(t, 'gauge-plain-app');
    const group = await gaugeGroup(t, h);
    await h.write('gauge.yaml', gauge(group, 'overload'));
    await h.write('after.yaml', configMap('after-gauge', { value: '1' }, WAVE_1));
    assertSucceeded(await syncWith(h, undefined));
    assert.ok(await h.get('v1', 'ConfigMap', 'after-gauge'), 'wave 1 was applied');
  });

  it('stops at the wave whose custom resource a CEL check calls Degraded, and does not apply the next wave', async (t) => {
    const h = await engineHarness(t, 'gauge-cel-app');
    const group = await gaugeGroup(t, h);
    await h.write('gauge.yaml', gauge(group, 'overload'));
    await h.write('after.yaml', configMap('after-gauge', { value: '1' }, WAVE_1));
    const result = await syncWith(h, await checksFor(t, celChecks(group)));
    assert.equal(result.error?.step, 'wait');
    assert.match(result.error.message, /wave 0/);
    assert.match(
      result.error.message,
      new RegExp(`Gauge/${h.namespace}/pressure Degraded \\(expression failed is true\\)`),
    );
    assert.ok(await h.get(`${group}/v1`, 'Gauge', 'pressure'), 'wave 0 was applied');
    assert.equal(await h.get('v1', 'ConfigMap', 'after-gauge'), undefined, 'wave 1 was not applied');
  });

  it('goes on to the next wave once the CEL check calls the custom resource Healthy', async (t) => {
    const h = await engineHarness(t, 'gauge-cel-ok-app');
    const group = await gaugeGroup(t, h);
    await h.write('gauge.yaml', gauge(group, 'normal'));
    await h.write('after.yaml', configMap('after-gauge', { value: '1' }, WAVE_1));
    assertSucceeded(await syncWith(h, await checksFor(t, celChecks(group))));
    assert.ok(await h.get('v1', 'ConfigMap', 'after-gauge'), 'wave 1 was applied');
  });

  it('stops at the wave whose custom resource an Argo CD Lua check calls Degraded', async (t) => {
    const h = await engineHarness(t, 'gauge-lua-app');
    const group = await gaugeGroup(t, h);
    await h.write('gauge.yaml', gauge(group, 'overload'));
    await h.write('after.yaml', configMap('after-gauge', { value: '1' }, WAVE_1));
    const script = [
      'hs = {}',
      'if obj.spec.reading == "normal" then hs.status = "Healthy" return hs end',
      'hs.status = "Degraded"',
      'hs.message = "reading is " .. obj.spec.reading',
      'return hs',
    ].join('\n');
    const checks = await checksFor(t, {
      lua: [{ origin: 'argocd-cm', scripts: [{ groupKind: `${group}_Gauge`, script }] }],
    });
    const result = await syncWith(h, checks);
    assert.equal(result.error?.step, 'wait');
    assert.match(
      result.error.message,
      new RegExp(`Gauge/${h.namespace}/pressure Degraded \\(reading is overload\\)`),
    );
    assert.equal(await h.get('v1', 'ConfigMap', 'after-gauge'), undefined, 'wave 1 was not applied');
  });
});

describe('mooring apply --health-checks', () => {
  it('stops at the wave a CEL check of the file calls Degraded, and says so', async (t) => {
    const h = await engineHarness(t, 'gauge-cli-app');
    const group = await gaugeGroup(t, h);
    await h.write('gauge.yaml', gauge(group, 'overload'));
    await h.write('after.yaml', configMap('after-gauge', { value: '1' }, WAVE_1));
    const checksFile = join(h.root, 'checks.yaml');
    await writeFile(
      checksFile,
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: mooring-health-checks}',
        'data:',
        '  healthCheckExprs: |',
        `    - apiVersion: ${group}/v1`,
        '      kind: Gauge',
        '      failed: "spec.reading == \'overload\'"',
        '      current: "spec.reading == \'normal\'"',
        '',
      ].join('\n'),
    );
    const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
    const args = [
      main,
      'apply',
      join(h.root, APP_PATH),
      '--app',
      h.appName,
      '-n',
      h.namespace,
      '--timeout',
      '3s',
      '--health-checks',
      checksFile,
      '--kubeconfig',
      testCluster().kubeconfigPath,
    ];
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, args, (error, stdout) => {
        resolve({ code: error === null ? 0 : Number(error.code), stdout });
      });
    });
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stdout, /Degraded \(expression failed is true\)/);
    assert.equal(await h.get('v1', 'ConfigMap', 'after-gauge'), undefined, 'wave 1 was not applied');
  });
});
