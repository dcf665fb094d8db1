import type { AppObservation } from '../../../src/notify/observe.js';

export const SHA_A = 'a'.repeat(40);
export const SHA_B = 'b'.repeat(40);

/** An observation of app `apps/<name>`; a successful recorded sync of SHA_A unless told otherwise. */
export function observation(extra: Partial<AppObservation> = {}, name = 'web'): AppObservation {
  return {
    app: `apps/${name}`,
    namespace: 'apps',
    name,
    labels: { team: 'a' },
    kind: 'sync',
    trigger: 'poll',
    sync: { result: 'Succeeded', message: '', recorded: true },
    revision: SHA_A,
    commit: { author: 'Ada <ada@example.com>', message: 'bump web to 1.26' },
    changes: { created: [], changed: ['Deployment/apps/web'], pruned: [], failed: [] },
    images: [],
    health: { status: 'Healthy' },
    outOfSync: false,
    drift: { detected: [], corrected: [] },
    repoURL: 'https://github.com/acme/deploy.git',
    ...extra,
  };
}

export const failed = (extra: Partial<AppObservation> = {}, name = 'web'): AppObservation =>
  observation(
    {
      sync: {
        result: 'Failed',
        message: 'Deployment/apps/web: spec.replicas: Invalid value',
        recorded: true,
      },
      changes: { created: [], changed: [], pruned: [], failed: ['Deployment/apps/web'] },
      health: { status: 'Progressing' },
      ...extra,
    },
    name,
  );
