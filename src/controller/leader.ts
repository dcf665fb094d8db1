import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import { sleep } from '../core/wait.js';
import { KubeApiError } from '../kube/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';

export interface LeaderElectionOptions {
  objects: ObjectsApi;
  namespace: string;
  /** Lease name; every replica of one controller uses the same. */
  name: string;
  /** This replica, e.g. pod name + random suffix. */
  identity: string;
  leaseDurationSeconds?: number;
  retryPeriodMs?: number;
  logger: Logger;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

const LEASE_API = 'coordination.k8s.io/v1';

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Whether a lease held by someone else has run out (pure). */
export function leaseExpired(spec: LeaseSpec | undefined, nowMs: number): boolean {
  if (spec?.holderIdentity === undefined || spec.holderIdentity === '') return true;
  const renewed = Date.parse(spec.renewTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 15) * 1000 < nowMs;
}

/** A held leadership: renewed in the background until released or lost. */
export interface Leadership {
  release(): Promise<void>;
}

/**
 * Waits until this replica holds the Lease (coordination.k8s.io), then renews it every retry period. If
 * renewing fails for longer than the lease duration, `onLost` is called: the caller must stop acting at
 * once (another replica may take over), as client-go's leader election does.
 */
export async function acquireLeadership(
  options: LeaderElectionOptions,
  onLost: () => void,
): Promise<Leadership> {
  const duration = options.leaseDurationSeconds ?? 15;
  const retry = options.retryPeriodMs ?? 2_000;
  const ref = {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    namespace: options.namespace,
    name: options.name,
  };
  let announced = false;
  for (;;) {
    try {
      if (await tryAcquire(options, ref, duration)) break;
    } catch (error) {
      options.logger.warn({ err: errorMessage(error) }, 'leader election: could not read or write the Lease');
    }
    if (!announced) {
      options.logger.info({ lease: `${options.namespace}/${options.name}` }, 'waiting to become leader');
      announced = true;
    }
    await sleep(retry);
  }
  options.logger.info({ identity: options.identity }, 'became leader');
  // An object, not a let: the flag is flipped by release() while the loop awaits.
  const state = { stopped: false };
  const stoppedNow = (): boolean => state.stopped;
  let lastRenew = Date.now();
  const renewLoop = async (): Promise<void> => {
    while (!state.stopped) {
      await sleep(retry);
      if (stoppedNow()) return;
      try {
        const lease = (await options.objects.get(LEASE_API, ref)) as Lease | undefined;
        if (lease?.spec?.holderIdentity !== options.identity)
          throw new Error(`lease now held by ${lease?.spec?.holderIdentity ?? 'nobody'}`);
        await options.objects.mergePatch(LEASE_API, ref, {
          metadata: { resourceVersion: lease.metadata.resourceVersion },
          spec: { renewTime: microTime(Date.now()) },
        });
        lastRenew = Date.now();
      } catch (error) {
        if (Date.now() - lastRenew > duration * 1000 || errorMessage(error).includes('held by')) {
          state.stopped = true;
          options.logger.error({ err: errorMessage(error) }, 'leader election: leadership lost');
          onLost();
          return;
        }
      }
    }
  };
  void renewLoop();
  return {
    release: async () => {
      state.stopped = true;
      try {
        const lease = (await options.objects.get(LEASE_API, ref)) as Lease | undefined;
        if (lease?.spec?.holderIdentity === options.identity) {
          await options.objects.mergePatch(LEASE_API, ref, {
            metadata: { resourceVersion: lease.metadata.resourceVersion },
            spec: { holderIdentity: '', renewTime: microTime(0) },
          });
        }
      } catch {
        // The lease will simply expire.
      }
    },
  };
}

async function tryAcquire(
  options: LeaderElectionOptions,
  ref: { group: string; kind: string; namespace: string; name: string },
  duration: number,
): Promise<boolean> {
  const now = Date.now();
  const lease = (await options.objects.get(LEASE_API, ref)) as Lease | undefined;
  const spec: LeaseSpec = {
    holderIdentity: options.identity,
    leaseDurationSeconds: duration,
    acquireTime: microTime(now),
    renewTime: microTime(now),
  };
  try {
    if (lease === undefined) {
      await options.objects.create({
        apiVersion: LEASE_API,
        kind: 'Lease',
        metadata: { name: ref.name, namespace: ref.namespace },
        spec,
      });
      return true;
    }
    if (lease.spec?.holderIdentity !== options.identity && !leaseExpired(lease.spec, now)) return false;
    await options.objects.mergePatch(LEASE_API, ref, {
      metadata: { resourceVersion: lease.metadata.resourceVersion },
      spec: { ...spec, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 },
    });
    return true;
  } catch (error) {
    // Someone else created or took it first.
    if (error instanceof KubeApiError && (error.httpStatus === 409 || error.httpStatus === 422)) return false;
    throw error;
  }
}
