import { describe } from 'node:test';

import { runHealthCases } from './fixtures.js';

describe('CustomResourceDefinition health', () => {
  runHealthCases('crd.yaml', [
    { it: 'is Healthy when Established', object: 'widgets.example.com', status: 'Healthy' },
    {
      it: 'is Degraded when its names conflict with another CRD',
      object: 'gadgets.example.com',
      status: 'Degraded',
      message: 'names not accepted: KindConflict: "WidgetList" is already in use',
    },
    {
      it: 'is Degraded when its schema is not structural, even when Established',
      object: 'gizmos.example.com',
      status: 'Degraded',
      includes: ['schema is not structural: Violations: spec.versions[0]'],
    },
    {
      it: 'waits until Established',
      object: 'sprockets.example.com',
      status: 'Progressing',
      includes: ['waiting for the CRD to be established: Installing'],
    },
  ]);
});

describe('APIService health', () => {
  runHealthCases('apiservice.yaml', [
    { it: 'is Healthy when Available', object: 'v1.apps', status: 'Healthy' },
    {
      it: 'is Progressing with the reason while the backing service has no endpoints',
      object: 'v1beta1.metrics.k8s.io',
      status: 'Progressing',
      includes: ['MissingEndpoints: endpoints for service/metrics-server'],
    },
    {
      it: 'is Progressing before any condition is written',
      object: 'v1alpha1.custom.metrics.k8s.io',
      status: 'Progressing',
      message: 'waiting for the API service to become available',
    },
  ]);
});

describe('HorizontalPodAutoscaler health', () => {
  runHealthCases('hpa.yaml', [
    { it: 'is Healthy when scaling is active', object: 'web', status: 'Healthy', message: '' },
    {
      it: 'is Degraded when resource metrics cannot be read',
      object: 'api',
      status: 'Degraded',
      includes: ['cannot compute replicas from metrics: FailedGetResourceMetric', 'no metrics returned'],
    },
    {
      it: 'is Degraded when the scale target does not exist',
      object: 'typo',
      status: 'Degraded',
      includes: ['cannot scale the target: FailedGetScale', '"wbe" not found'],
    },
    {
      it: 'stays Healthy when limited by maxReplicas, and says so',
      object: 'worker',
      status: 'Healthy',
      includes: ['replica count limited: TooManyReplicas'],
    },
    {
      it: 'is Healthy when the target is scaled to zero on purpose',
      object: 'batch',
      status: 'Healthy',
      includes: ['scaling disabled'],
    },
    {
      it: 'waits for the controller to read metrics the first time',
      object: 'search',
      status: 'Progressing',
      message: 'waiting for the autoscaler to read metrics',
    },
    {
      it: 'reads autoscaling/v1 conditions from the annotation',
      object: 'legacy',
      status: 'Degraded',
      includes: ['missing request for cpu'],
    },
  ]);
});
