/**
 * Benchmark: leader election timings on a real local control plane (the numbers the leader tests used to
 * assert as time limits, measured here instead):
 *  - handover: the leader releases the Lease -> the waiting replica leads;
 *  - loss: the leader is cut off from the API -> it stops acting (renew deadline) -> the other replica leads.
 *
 *   npm run build && node dist/bench/leader-handover.js      # starts its own cluster
 *   MOORING_BENCH_KUBECONFIG=... MOORING_BENCH_TRIALS=20 node dist/bench/leader-handover.js
 */
import { acquireLeadership } from '../src/controller/leader.js';
import { silentLogger } from '../src/core/logger.js';
import { connect } from '../src/kube/connect.js';
import type { ObjectsApi } from '../src/kube/objects-api.js';
import { benchCluster } from './cluster.js';

const LEASE_SECONDS = 2;
const RETRY_MS = 200;

function summary(samples: number[]): { n: number; p50: number; max: number; min: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: Math.round(sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN),
    min: Math.round(sorted[0] ?? NaN),
    max: Math.round(sorted[sorted.length - 1] ?? NaN),
  };
}

/** A client whose requests fail once `cut` is called. */
function severable(objects: ObjectsApi): { api: ObjectsApi; cut: () => void } {
  let cut = false;
  const api = new Proxy(objects, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown =>
        cut
          ? Promise.reject(new Error('cut off by the benchmark'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return {
    api,
    cut: () => {
      cut = true;
    },
  };
}

async function main(): Promise<void> {
  const trials = Number(process.env.MOORING_BENCH_TRIALS ?? '5');
  const cluster = await benchCluster('bench-leader');
  const admin = connect({ kubeconfig: cluster.kubeconfig });
  const namespace = `bench-leader-${process.pid}`;
  const handover: number[] = [];
  const stopped: number[] = [];
  const takeover: number[] = [];
  try {
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (let i = 0; i < trials; i++) {
      const options = {
        namespace,
        name: `lease-${i}`,
        leaseDurationSeconds: LEASE_SECONDS,
        retryPeriodMs: RETRY_MS,
        logger: silentLogger,
      };
      const a = connect({ kubeconfig: cluster.kubeconfig });
      const b = connect({ kubeconfig: cluster.kubeconfig });
      const c = connect({ kubeconfig: cluster.kubeconfig });
      try {
        // Handover on release.
        const leaderA = await acquireLeadership({ ...options, objects: a, identity: 'a' }, () => undefined);
        const waitingB = acquireLeadership({ ...options, objects: b, identity: 'b' }, () => undefined);
        const released = performance.now();
        await leaderA.release();
        const leaderB = await waitingB;
        handover.push(performance.now() - released);

        // Loss: B is cut off; C takes over after B has stopped.
        const cutB = severable(b);
        await leaderB.release();
        let stoppedAt = NaN;
        let onLost!: () => void;
        const lost = new Promise<void>((resolve) => {
          onLost = resolve;
        });
        await acquireLeadership({ ...options, objects: cutB.api, identity: 'b2' }, () => {
          stoppedAt = performance.now();
          onLost();
        });
        const waitingC = acquireLeadership({ ...options, objects: c, identity: 'c' }, () => undefined);
        const cutAt = performance.now();
        cutB.cut();
        const [, leaderC] = await Promise.all([lost, waitingC]);
        stopped.push(stoppedAt - cutAt);
        takeover.push(performance.now() - cutAt);
        await leaderC.release();
      } finally {
        a.client.close();
        b.client.close();
        c.client.close();
      }
    }
    console.log(
      JSON.stringify(
        {
          leaseDurationSeconds: LEASE_SECONDS,
          retryPeriodMs: RETRY_MS,
          handoverAfterReleaseMs: summary(handover),
          cutOffLeaderStopsActingMs: summary(stopped),
          otherReplicaLeadsAfterCutMs: summary(takeover),
        },
        null,
        2,
      ),
    );
  } finally {
    await admin
      .delete('v1', { group: '', kind: 'Namespace', namespace: '', name: namespace })
      .catch(() => undefined);
    admin.client.close();
    await cluster.stop();
  }
}

await main();
