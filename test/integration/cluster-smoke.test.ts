import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy } from '@kubernetes/client-node';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

import { pollUntil } from '../../src/core/wait.js';
import { testCluster, testNamespace } from '../helpers/kube.js';

function deployment(
  namespace: string,
  name: string,
  replicas: number,
  podLabels: Record<string, string> = {},
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...podLabels } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] },
      },
    },
  };
}

function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

describe('the local control plane is real', () => {
  it('runs a Deployment until it is Available with Ready pods', async (t) => {
    const ns = await testNamespace(t);
    const { apps, core } = testCluster();
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, 'web', 3) });
    const available = await pollUntil(
      async (note) => {
        const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
        note(`availableReplicas=${String(d.status?.availableReplicas)}`);
        const cond = d.status?.conditions?.find((c) => c.type === 'Available');
        return d.status?.availableReplicas === 3 && cond?.status === 'True' ? d : undefined;
      },
      { timeoutMs: 60_000, what: 'Deployment web to become Available' },
    );
    assert.equal(available.status?.readyReplicas, 3);
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    assert.equal(pods.length, 3);
    for (const pod of pods) {
      assert.equal(pod.status?.phase, 'Running');
      assert.ok(podReady(pod), `pod ${pod.metadata?.name ?? ''} should be Ready`);
      assert.match(pod.spec?.nodeName ?? '', /^kwok-node-/, 'the scheduler placed the pod on a fake node');
    }
  });

  for (const fault of ['crashloop', 'not-ready'] as const) {
    it(`never makes a Deployment Available when its pods are marked ${fault}`, async (t) => {
      const ns = await testNamespace(t);
      const { apps, core } = testCluster();
      await apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment(ns, 'broken', 2, { 'mooring.dev/fault': fault }),
      });
      const pods = await pollUntil(
        async (note) => {
          const list = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=broken' })).items;
          const running = list.filter((p) => p.status?.phase === 'Running');
          note(`${running.length}/2 pods Running`);
          return running.length === 2 ? running : undefined;
        },
        { timeoutMs: 60_000, what: `pods marked ${fault} to start` },
      );
      for (const pod of pods) {
        assert.equal(podReady(pod), false);
        const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        if (fault === 'crashloop') assert.equal(waiting, 'CrashLoopBackOff');
        else assert.ok(pod.status?.containerStatuses?.[0]?.state?.running, 'container runs but is not ready');
      }
      // Liveness first: the deployment controller has counted both pods (as unavailable); only then is
      // "not available" a finding rather than a status not written yet.
      const d = await pollUntil(
        async (note) => {
          const found = await apps.readNamespacedDeployment({ namespace: ns, name: 'broken' });
          note(JSON.stringify(found.status ?? {}));
          return found.status?.replicas === 2 && found.status.unavailableReplicas === 2 ? found : undefined;
        },
        { timeoutMs: 60_000, what: 'the deployment controller to count both pods' },
      );
      assert.equal(d.status?.availableReplicas ?? 0, 0);
      assert.equal(d.status?.unavailableReplicas, 2);
    });
  }

  it('establishes a CRD and stores a custom object of it', async (t) => {
    const { kc } = testCluster();
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const group = `t${randomBytes(4).toString('hex')}.mooring.dev`;
    const crdName = `widgets.${group}`;
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
                },
              },
            },
          ],
        },
      },
    });
    t.after(() => ext.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined));
    await pollUntil(
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: crdName });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, what: `CRD ${crdName} to be Established` },
    );
    const ns = await testNamespace(t);
    const body = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
    await custom.createNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body,
    });
    const stored = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      name: 'w1',
    })) as {
      spec: { size: number };
    };
    assert.equal(stored.spec.size, 3);
    await assert.rejects(
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        body: { ...body, metadata: { name: 'w2' }, spec: { size: 'three' } },
      }),
      'the API server validates against the CRD schema',
    );
  });

  it('records both field managers of a server-side apply in managedFields', async (t) => {
    const ns = await testNamespace(t);
    const { objects } = testCluster();
    const apply = (manager: string, data: Record<string, string>) =>
      objects.patch(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: ns }, data },
        undefined,
        undefined,
        manager,
        undefined,
        PatchStrategy.ServerSideApply,
      );
    await apply('team-a', { a: '1' });
    await apply('team-b', { b: '2' });
    const live = await objects.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared', namespace: ns },
    });
    const managers = (live.metadata?.managedFields ?? []).filter((m) => m.operation === 'Apply');
    const owned = (name: string): string =>
      JSON.stringify(managers.find((m) => m.manager === name)?.fieldsV1 ?? {});
    assert.deepEqual(managers.map((m) => m.manager).sort(), ['team-a', 'team-b']);
    assert.match(owned('team-a'), /"f:a"/);
    assert.doesNotMatch(owned('team-a'), /"f:b"/);
    assert.match(owned('team-b'), /"f:b"/);
    assert.deepEqual((live as unknown as { data: Record<string, string> }).data, { a: '1', b: '2' });
  });
});
