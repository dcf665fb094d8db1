import { describe } from 'node:test';

import { runHealthCases } from './fixtures.js';

describe('generic health rules', () => {
  runHealthCases('generic.yaml', [
    { it: 'is Healthy when Ready is True', object: 'apps', status: 'Healthy', message: '' },
    {
      it: 'is Degraded when Ready is False for a failure reason',
      object: 'infra',
      status: 'Degraded',
      includes: ['Ready False: BuildFailed: kustomize build failed'],
    },
    {
      it: 'is Progressing while Reconciling is True',
      object: 'monitoring',
      status: 'Progressing',
      includes: ['reconciling: Progressing: Running health checks'],
    },
    {
      it: 'is Suspended with spec.suspend, even with a generation not yet observed',
      object: 'legacy',
      status: 'Suspended',
      includes: ['spec.suspend'],
    },
    {
      it: 'is Degraded when Stalled, with the stall reason rather than Ready',
      object: 'redis',
      status: 'Degraded',
      message: 'stalled: RetriesExceeded: Failed to install after 3 attempt(s)',
    },
    {
      it: 'is Progressing while observedGeneration is behind, even if Ready',
      object: 'grafana',
      status: 'Progressing',
      message: 'waiting for the controller to observe generation 8 (observed 7)',
    },
    {
      it: 'is Progressing when Ready is False but another condition says work is under way',
      object: 'shop-tls',
      status: 'Progressing',
      includes: ['issuing: DoesNotExist'],
    },
    {
      it: 'is Progressing when Ready is False with a pending reason',
      object: 'api-tls',
      status: 'Progressing',
      includes: ['Ready False: Pending'],
    },
    {
      it: 'falls back to Available when there is no Ready condition',
      object: 'blue',
      status: 'Degraded',
      includes: ['Available False: BackendUnreachable: dial tcp'],
    },
    { it: 'is Healthy when Available is True', object: 'green', status: 'Healthy' },
    { it: 'is Healthy with a status that has no conditions', object: 'red', status: 'Healthy' },
    { it: 'is Healthy without any status (ConfigMap)', object: 'web-config', status: 'Healthy', message: '' },
    { it: 'is Healthy without any status (Secret)', object: 'web-db', status: 'Healthy' },
    { it: 'is Healthy without any status (Role)', object: 'web-reader', status: 'Healthy' },
    {
      it: 'is Progressing while being deleted, whatever its conditions say',
      object: 'orange',
      status: 'Progressing',
      includes: ['being deleted since 2025-05-02T12:00:00Z'],
    },
  ]);
});
