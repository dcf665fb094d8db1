/** Custom resource kinds the controller tests deploy and judge (custom health checks, health signals). */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';

import type { ControllerHarness } from './harness.js';

/**
 * A Gauge custom resource kind of a fresh API group (`spec.size`), served before this returns and deleted
 * when the test ends; its API group is returned. With `statusSubresource`, `status.reading` is written
 * through the status subresource; without, status (any fields) and metadata change in one write, one watch
 * event.
 */
export async function gaugeKind(
  t: TestContext,
  h: ControllerHarness,
  options: { statusSubresource: boolean },
): Promise<string> {
  const group = `t${randomBytes(4).toString('hex')}.mooring.example`;
  const crdRef = {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    namespace: '',
    name: `gauges.${group}`,
  };
  t.after(async () => {
    await h.observer.delete('apiextensions.k8s.io/v1', crdRef);
  });
  await h.observer.apply(
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdRef.name },
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
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: options.statusSubresource
                    ? { type: 'object', properties: { reading: { type: 'string' } } }
                    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
            ...(options.statusSubresource ? { subresources: { status: {} } } : {}),
          },
        ],
      },
    },
    { fieldManager: 'mooring-tests' },
  );
  await h.waitFor('the Gauge CRD is served', async () => {
    await h.observer.discovery.load();
    return h.observer
      .list(`${group}/v1`, 'Gauge', { namespace: h.destNamespace })
      .then(() => true)
      .catch(() => undefined);
  });
  return group;
}
