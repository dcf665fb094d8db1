import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { acquireLeadership, leaseExpired } from '../../../src/controller/leader.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { KubeObject } from '../../../src/core/objects.js';
import { pollUntil } from '../../../src/core/wait.js';
import type { ObjectsApi } from '../../../src/kube/objects-api.js';
import { connect } from '../../../src/kube/connect.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';

type Lease = KubeObject & { spec?: { holderIdentity?: string; renewTime?: string } };

async function readLease(objects: ObjectsApi, namespace: string): Promise<Lease | undefined> {
  return await objects.get('coordination.k8s.io/v1', {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    namespace,
    name: 'mooring-controller',
  });
}

/**
 * The API as one replica sees it, with a switch that cuts it off: its requests then fail at once
 * ("refuse") or never answer ("hang"), as when the network to the API server goes away.
 */
function severable(objects: ObjectsApi): { api: ObjectsApi; cut: (mode: 'refuse' | 'hang') => void } {
  let mode: 'refuse' | 'hang' | undefined;
  const api = new Proxy(objects, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        if (mode === 'refuse') return Promise.reject(new Error('connect ECONNREFUSED (cut by the test)'));
        if (mode === 'hang') return new Promise(() => undefined);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    api,
    cut: (m) => {
      mode = m;
    },
  };
}

describe('leader election', () => {
  const options = {
    name: 'mooring-controller',
    leaseDurationSeconds: 2,
    retryPeriodMs: 200,
    logger: silentLogger,
  };

  it('renews the lease, so a second replica waits past the lease duration, and hands over on release', async (t) => {
    const namespace = await testNamespace(t);
    const a = connect({ kubeconfig: testCluster().kubeconfigPath });
    const b = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      a.client.close();
      b.client.close();
    });
    let aLost = false;
    const leaderA = await acquireLeadership(
      { ...options, namespace, objects: a, identity: 'replica-a' },
      () => {
        aLost = true;
      },
    );
    const first = await readLease(b, namespace);
    const firstRenew = Date.parse(first?.spec?.renewTime ?? '');
    assert.equal(first?.spec?.holderIdentity, 'replica-a');
    let bIsLeader = false;
    const bAcquired = acquireLeadership(
      { ...options, namespace, objects: b, identity: 'replica-b' },
      () => undefined,
    ).then((leader) => {
      bIsLeader = true;
      return leader;
    });
    // Liveness first: the lease has been renewed beyond the point where the first lease would have
    // run out, and B (retrying every 200 ms) has looked at it meanwhile.
    await pollUntil(
      async () => {
        const renewed = Date.parse((await readLease(b, namespace))?.spec?.renewTime ?? '');
        return renewed > firstRenew + 2 * options.leaseDurationSeconds * 1000 ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'replica-a to renew its lease past twice its duration' },
    );
    assert.equal(bIsLeader, false, 'the second replica waits while the first renews');
    assert.equal((await readLease(b, namespace))?.spec?.holderIdentity, 'replica-a');
    await leaderA.release();
    const leaderB = await bAcquired;
    assert.equal((await readLease(a, namespace))?.spec?.holderIdentity, 'replica-b');
    assert.equal(aLost, false, 'releasing is not losing');
    await leaderB.release();
  });

  for (const mode of ['refuse', 'hang'] as const) {
    it(`a leader cut off from the API (requests ${mode === 'refuse' ? 'fail' : 'hang'}) stops acting before another takes over`, async (t) => {
      const namespace = await testNamespace(t);
      const a = connect({ kubeconfig: testCluster().kubeconfigPath });
      const b = connect({ kubeconfig: testCluster().kubeconfigPath });
      t.after(() => {
        a.client.close();
        b.client.close();
      });
      const replicaA = severable(a);
      const order: string[] = [];
      let lost!: () => void;
      const aLost = new Promise<void>((resolve) => {
        lost = resolve;
      });
      await acquireLeadership({ ...options, namespace, objects: replicaA.api, identity: 'replica-a' }, () => {
        order.push('replica-a stopped acting');
        lost();
      });
      const bAcquired = acquireLeadership(
        { ...options, namespace, objects: b, identity: 'replica-b' },
        () => undefined,
      ).then((leader) => {
        order.push('replica-b became leader');
        return leader;
      });
      replicaA.cut(mode);
      const [, leaderB] = await Promise.all([aLost, bAcquired]);
      assert.deepEqual(order, ['replica-a stopped acting', 'replica-b became leader']);
      const lease = await readLease(b, namespace);
      assert.equal(lease?.spec?.holderIdentity, 'replica-b');
      await leaderB.release();
    });
  }

  it('takes over a lease whose holder stopped renewing (a crashed replica)', async (t) => {
    const namespace = await testNamespace(t);
    const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      objects.client.close();
    });
    const stale = new Date(Date.now() - 60_000).toISOString().replace('Z', '000Z');
    await objects.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'mooring-controller', namespace },
      spec: {
        holderIdentity: 'crashed-replica',
        leaseDurationSeconds: 15,
        acquireTime: stale,
        renewTime: stale,
      },
    });
    const leader = await acquireLeadership(
      {
        objects,
        namespace,
        name: 'mooring-controller',
        identity: 'replica-c',
        retryPeriodMs: 200,
        logger: silentLogger,
      },
      () => undefined,
    );
    const lease = await objects.get('coordination.k8s.io/v1', {
      group: 'coordination.k8s.io',
      kind: 'Lease',
      namespace,
      name: 'mooring-controller',
    });
    assert.equal((lease?.spec as { holderIdentity?: string }).holderIdentity, 'replica-c');
    assert.equal((lease?.spec as { leaseTransitions?: number }).leaseTransitions, 1);
    await leader.release();
  });

  it('judges expiry from renewTime and duration', () => {
    const now = Date.parse('2026-11-22T00:00:30Z');
    assert.equal(
      leaseExpired(
        { holderIdentity: 'x', renewTime: '2026-11-22T00:00:20.000000Z', leaseDurationSeconds: 15 },
        now,
      ),
      false,
    );
    assert.equal(
      leaseExpired(
        { holderIdentity: 'x', renewTime: '2026-11-22T00:00:10.000000Z', leaseDurationSeconds: 15 },
        now,
      ),
      true,
    );
    assert.equal(leaseExpired({ holderIdentity: '' }, now), true);
  });
});
