import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { acquireLeadership, leaseExpired } from '../../../src/controller/leader.js';
import type { Leadership } from '../../../src/controller/leader.js';
import { silentLogger } from '../../../src/core/logger.js';
import { sleep } from '../../../src/core/wait.js';
import { connect } from '../../../src/kube/connect.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';

describe('leader election', () => {
  it('lets one replica act at a time and hands over when the leader leaves', async (t) => {
    const namespace = await testNamespace(t);
    const a = connect({ kubeconfig: testCluster().kubeconfigPath });
    const b = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      a.client.close();
      b.client.close();
    });
    const options = {
      namespace,
      name: 'mooring-controller',
      leaseDurationSeconds: 3,
      retryPeriodMs: 200,
      logger: silentLogger,
    };
    let aLost = false;
    const leaderA = await acquireLeadership({ ...options, objects: a, identity: 'replica-a' }, () => {
      aLost = true;
    });
    const acquiredB: { leader?: Leadership; at?: number } = {};
    const bAcquired = acquireLeadership(
      { ...options, objects: b, identity: 'replica-b' },
      () => undefined,
    ).then((l) => {
      acquiredB.leader = l;
      acquiredB.at = Date.now();
    });
    await sleep(1_500);
    assert.equal(acquiredB.leader, undefined, 'the second replica waits while the first holds a fresh lease');
    const released = Date.now();
    await leaderA.release();
    await bAcquired;
    const handover = (acquiredB.at ?? Infinity) - released;
    assert.ok(handover < 2_000, `handover took ${handover} ms`);
    assert.equal(aLost, false);
    // Re-read: the assertion above narrowed the type, but the promise has since set it.
    await (acquiredB as { leader?: Leadership }).leader?.release();
  });

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
    const started = Date.now();
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
    assert.ok(Date.now() - started < 2_000);
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
