import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pollUntil } from '../../../src/core/wait.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { engineHarness } from '../engine/harness.js';

interface WithAddress {
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

const addressOf = (obj: WithAddress): string | undefined => obj.status?.loadBalancer?.ingress?.[0]?.ip;

const LOOPBACK = /^127\.0\.0\.(\d+)$/;

describe('dev cluster: addresses like a laptop cluster with a load balancer and an ingress controller', () => {
  it('gives LoadBalancer Services and Ingresses a loopback address, and leaves ClusterIP Services alone', async (t) => {
    const namespace = await testNamespace(t);
    const { objects } = testCluster();
    const service = (name: string, type: string): object => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { type, selector: { app: name }, ports: [{ port: 80 }] },
    });
    const ingress = (name: string, className?: string): object => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace },
      spec: {
        ...(className === undefined ? {} : { ingressClassName: className }),
        defaultBackend: { service: { name: 'front', port: { number: 80 } } },
      },
    });
    for (const body of [
      service('front', 'LoadBalancer'),
      service('internal', 'ClusterIP'),
      ingress('web'),
      ingress('unserved', 'mooring-none'),
    ])
      await objects.create(body as never);

    const read = async (apiVersion: string, kind: string, name: string): Promise<WithAddress> =>
      (await objects.read({ apiVersion, kind, metadata: { name, namespace } })) as WithAddress;
    const addresses = await pollUntil(
      async () => {
        const front = addressOf(await read('v1', 'Service', 'front'));
        const web = addressOf(await read('networking.k8s.io/v1', 'Ingress', 'web'));
        return front !== undefined && web !== undefined ? { front, web } : undefined;
      },
      { timeoutMs: 30_000, what: 'the LoadBalancer Service and the Ingress to get an address' },
    );
    for (const address of [addresses.front, addresses.web]) {
      const octet = Number(LOOPBACK.exec(address)?.[1]);
      assert.ok(octet >= 2 && octet <= 251, `${address} is a loopback address in 127.0.0.2-251`);
    }
    // Both were handled by now: the others got nothing because nothing serves them.
    assert.equal(addressOf(await read('v1', 'Service', 'internal')), undefined);
    assert.equal(addressOf(await read('networking.k8s.io/v1', 'Ingress', 'unserved')), undefined);
  });

  it('lets --wait name the missing ingress controller when nothing serves an Ingress', async (t) => {
    const h = await engineHarness(t, 'unserved-ingress');
    await h.write('ingress.yaml', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'unserved' },
      spec: {
        ingressClassName: 'mooring-none',
        defaultBackend: { service: { name: 'front', port: { number: 80 } } },
      },
    });
    const result = await h.sync({ wait: true, timeoutMs: 3_000 });
    assert.equal(result.error?.step, 'wait');
    assert.match(
      result.error.message,
      /Ingress\/\S+\/unserved.*no ingress controller for class "mooring-none" has assigned an address yet/,
    );
    assert.match(result.error.hint ?? '', /no controller assigns addresses in this cluster: install one/);
  });
});
