import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { assertSucceeded, engineHarness } from './harness.js';

/** A CRD whose objects get their status from a controller (status subresource), which this test never runs. */
function gadgetCrd(group: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${group}`, annotations },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer' } } },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  };
}

function gadget(group: string, name: string, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name, annotations }, spec: { size: 1 } };
}

describe('health of custom resources whose CRD declares a status subresource', () => {
  it('waits for the controller to report status, and an annotated object or CRD opts out', async (t) => {
    const h = await engineHarness(t, 'status-subresource-app');
    const group = `t${randomBytes(4).toString('hex')}.mooring.example`;
    t.after(async () => {
      await h.observer.delete('apiextensions.k8s.io/v1', {
        group: 'apiextensions.k8s.io',
        kind: 'CustomResourceDefinition',
        namespace: '',
        name: `gadgets.${group}`,
      });
    });
    await h.write('crd.yaml', gadgetCrd(group));
    await h.write('gadget.yaml', gadget(group, 'waiting'));

    const waiting = await h.sync({ wait: true, timeoutMs: 3000 });
    assert.equal(waiting.error?.step, 'wait', `sync ended with ${waiting.error?.message ?? 'success'}`);
    assert.match(waiting.error.message, new RegExp(`Gadget/${h.namespace}/waiting`));
    assert.match(waiting.error.message, /waiting for its controller to report status/);
    assert.ok(await h.get(`${group}/v1`, 'Gadget', 'waiting'), 'the object was applied');

    // One object that never gets a status says so itself.
    await h.write('gadget.yaml', gadget(group, 'waiting', { 'mooring.dev/expect-status': 'false' }));
    assertSucceeded(await h.sync({ wait: true, timeoutMs: 20_000 }));

    // The CRD says it for every object of the kind.
    await h.write('crd.yaml', gadgetCrd(group, { 'mooring.dev/expect-status': 'false' }));
    await h.write('gadget.yaml', [gadget(group, 'waiting'), gadget(group, 'another')]);
    assertSucceeded(await h.sync({ wait: true, timeoutMs: 20_000 }));
  });
});
