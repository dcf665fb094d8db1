import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { assertSucceeded, configMap, engineHarness } from './harness.js';

function widgetCrd(group: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } } },
            },
          },
        },
      ],
    },
  };
}

describe('sync engine: Namespaces and CRDs first', () => {
  it('creates a Namespace of the app before the objects in it, and a diff before that shows them all as created', async (t) => {
    const h = await engineHarness(t, 'namespace-app');
    const own = `${h.namespace}-own`;
    t.after(async () => {
      await h.observer.delete('v1', { group: '', kind: 'Namespace', namespace: '', name: own });
    });
    await h.write('ns.yaml', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: own } });
    await h.write('settings.yaml', {
      ...configMap('settings', { value: '1' }),
      metadata: { name: 'settings', namespace: own },
    });

    const preview = await h.sync({ dryRun: true });
    assertSucceeded(preview);
    assert.deepEqual(
      preview.outcomes.map((o) => `${o.subject} ${o.action}`),
      [`Namespace/${own} created`, `ConfigMap/${own}/settings created`],
    );
    assert.equal(preview.stats.writes, 0);
    assert.equal(await h.get('v1', 'Namespace', own, ''), undefined);

    const result = await h.sync();
    assertSucceeded(result);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'settings', own))?.data, { value: '1' });
    assert.ok(await h.get('v1', 'Namespace', own, ''));
  });

  it('applies a CRD and a custom object of it in one sync: the CRD first, the object after it is Established', async (t) => {
    const h = await engineHarness(t, 'crd-app');
    // CRDs are cluster-scoped: a group of its own keeps this test apart from other runs.
    const group = `t${randomBytes(4).toString('hex')}.mooring.example`;
    t.after(async () => {
      await h.observer.delete('apiextensions.k8s.io/v1', {
        group: 'apiextensions.k8s.io',
        kind: 'CustomResourceDefinition',
        namespace: '',
        name: `widgets.${group}`,
      });
    });
    await h.write('crd.yaml', widgetCrd(group));
    await h.write('widget.yaml', {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'gear' },
      spec: { size: 3 },
    });

    const result = await h.sync();
    assertSucceeded(result);
    const subjects = result.outcomes.map((o) => `${o.subject} ${o.action}`);
    assert.deepEqual(subjects, [
      `CustomResourceDefinition/widgets.${group} created`,
      `Widget/${h.namespace}/gear created`,
    ]);
    const crd = await h.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${group}`, '');
    const conditions =
      (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    assert.ok(conditions.some((c) => c.type === 'Established' && c.status === 'True'));
    const widget = await h.get(`${group}/v1`, 'Widget', 'gear');
    assert.deepEqual(widget?.spec, { size: 3 });

    // The custom object is validated by its schema once the kind is served.
    await h.write('widget.yaml', {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'gear' },
      spec: { size: 0 },
    });
    const rejected = await h.sync();
    assert.equal(rejected.error?.step, 'validate');
    assert.match(rejected.error.message, /spec\.size/);
    assert.deepEqual((await h.get(`${group}/v1`, 'Widget', 'gear'))?.spec, { size: 3 });
  });
});
