/**
 * The controller's custom health checks on the real cluster: Argo CD Lua scripts in the cluster-wide
 * ConfigMap, an Application's own CEL checks in front of them, and a bad expression reported in status.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HEALTH_CHECKS_CONFIGMAP } from '../../../src/health/custom/index.js';
import { condition, controllerHarness } from './harness.js';
import { gaugeKind } from './gauge-kind.js';

describe('controller: custom health checks', () => {
  it("judges a custom resource by the cluster's Lua check, then by the app's own CEL check, and refuses a bad one", async (t) => {
    const h = await controllerHarness(t);
    const group = await gaugeKind(t, h, { statusSubresource: true });
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: HEALTH_CHECKS_CONFIGMAP, namespace: h.appNamespace },
      data: {
        [`resource.customizations.health.${group}_Gauge`]: [
          'hs = {}',
          'if obj.status == nil or obj.status.reading == nil then',
          '  hs.status = "Progressing"',
          '  hs.message = "no reading yet"',
          '  return hs',
          'end',
          'if obj.status.reading == "normal" then hs.status = "Healthy" return hs end',
          'hs.status = "Degraded"',
          'hs.message = "reading is " .. obj.status.reading',
          'return hs',
        ].join('\n'),
      },
    });
    await h.publish({
      'gauge.yaml': [
        {
          apiVersion: `${group}/v1`,
          kind: 'Gauge',
          metadata: { name: 'pressure' },
          spec: { size: 1 },
        },
      ],
    });
    const name = h.uniqueName('gauge');
    await h.createApp(name);

    const waiting = await h.waitForApp(
      name,
      'Progressing by the Lua check',
      (a) => a.status?.health?.status === 'Progressing',
    );
    assert.match(JSON.stringify(waiting.status), /no reading yet/);
    assert.equal(waiting.status?.sync?.status, 'Synced');

    // The custom resource's own controller reports a reading: the app's health follows without a sync.
    const gaugeRef = { group, kind: 'Gauge', namespace: h.destNamespace, name: 'pressure' };
    const report = (reading: string) =>
      h.observer.mergePatch(`${group}/v1`, gaugeRef, { status: { reading } }, { subresource: 'status' });
    const syncsBefore = (await h.syncRecords(name)).length;
    await report('overload');
    const degraded = await h.waitForApp(
      name,
      'Degraded by the Lua check',
      (a) => a.status?.health?.status === 'Degraded',
    );
    assert.match(JSON.stringify(degraded.status), /reading is overload/);
    assert.equal(
      (await h.syncRecords(name)).length,
      syncsBefore,
      'health followed the status without a sync',
    );

    await h.patchApp(name, {
      spec: {
        healthCheckExprs: [
          {
            apiVersion: `${group}/v1`,
            kind: 'Gauge',
            current: "status.?reading.orValue('') == 'overload'",
            failed: "status.?reading.orValue('') == 'broken'",
          },
        ],
      },
    });
    await h.waitForApp(
      name,
      "Healthy by the app's own CEL check",
      (a) => a.status?.health?.status === 'Healthy',
    );
    await report('broken');
    await h.waitForApp(
      name,
      "Degraded by the app's own CEL check after a status change",
      (a) => a.status?.health?.status === 'Degraded',
    );

    await h.patchApp(name, {
      spec: {
        healthCheckExprs: [{ apiVersion: `${group}/v1`, kind: 'Gauge', current: 'status.reading ==' }],
      },
    });
    const refused = await h.waitForApp(
      name,
      'a sync refused for a bad expression',
      (a) => condition(a, 'Synced')?.status === 'False',
    );
    assert.match(condition(refused, 'Synced')?.message ?? '', /expression current does not parse/);
    await h.waitForEvent(name, 'HealthChecksInvalid', (m) => m.includes('does not parse'));
  });
});
