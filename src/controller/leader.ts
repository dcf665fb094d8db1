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
  /**
   * How long the leader keeps acting without a successful renewal before it gives up (default two thirds
   * of the lease duration, as client-go's 10 s of 15 s). Shorter than the lease, so the old leader has
   * stopped before another replica can see the lease expire.
   */
  renewDeadlineMs?: number;
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
 * Waits until this replica holds the Lease (coordination.k8s.io), then renews it every retry period. If no
 * renewal succeeds within the renew deadline (shorter than the lease), or the lease names another holder,
 * `onLost` is called: the caller must stop acting at once (another replica may take over once the lease
 * runs out), as client-go's leader election does.
 */
export async function acquireLeadership(
  options: LeaderElectionOptions,
  onLost: () => void,
): Promise<Leadership> {
  const duration = options.leaseDurationSeconds ?? 15;
  const retry = options.retryPeriodMs ?? 2_000;
  const renewDeadline = Math.min(options.renewDeadlineMs ?? (duration * 2_000) / 3, duration * 1_000);
  const ref = {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    namespace: options.namespace,
    name: options.name,
  };
  let announced = false;
  let acquiredAt = Date.now();
  for (;;) {
    acquiredAt = Date.now();
    try {
      if (await tryAcquire(options, ref, duration, acquiredAt)) break;
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
  // An object, not a let: the flag is flipped by release() or the deadline while the loop awaits.
  const state: { stopped: boolean; deadline?: NodeJS.Timeout } = { stopped: false };
  const stoppedNow = (): boolean => state.stopped;
  const lose = (reason: string): void => {
    if (state.stopped) return;
    state.stopped = true;
    clearTimeout(state.deadline);
    options.logger.error({ err: reason }, 'leader election: leadership lost');
    onLost();
  };
  // A timer, not a check after each attempt: a renewal request that hangs must not keep us acting.
  const armDeadline = (renewedAt: number): void => {
    clearTimeout(state.deadline);
    state.deadline = setTimeout(
      () => {
        lose(`lease not renewed for ${renewDeadline} ms`);
      },
      Math.max(0, renewedAt + renewDeadline - Date.now()),
    );
  };
  armDeadline(acquiredAt);
  const renewLoop = async (): Promise<void> => {
    while (!state.stopped) {
      await sleep(retry);
      if (stoppedNow()) return;
      // The renewTime written is when the attempt started, so the deadline counts from there too.
      const attempt = Date.now();
      try {
        const lease = (await options.objects.get(LEASE_API, ref)) as Lease | undefined;
        if (lease?.spec?.holderIdentity !== options.identity) {
          lose(`lease now held by ${lease?.spec?.holderIdentity ?? 'nobody'}`);
          return;
        }
        await options.objects.mergePatch(LEASE_API, ref, {
          metadata: { resourceVersion: lease.metadata.resourceVersion },
          spec: { renewTime: microTime(attempt) },
        });
        if (!stoppedNow()) armDeadline(attempt);
      } catch (error) {
        options.logger.warn({ err: errorMessage(error) }, 'leader election: could not renew the Lease');
      }
    }
  };
  void renewLoop();
  return {
    release: async () => {
      state.stopped = true;
      clearTimeout(state.deadline);
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
  now: number,
): Promise<boolean> {
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
