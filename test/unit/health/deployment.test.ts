import { describe } from 'node:test';

import { runHealthCases } from './fixtures.js';
import { POD } from './pod-names.js';

describe('Deployment health', () => {
  runHealthCases('deployment.yaml', [
    {
      it: 'is Healthy when every replica is updated and available',
      object: 'web',
      status: 'Healthy',
      message: '',
    },
    {
      it: 'is Healthy when scaled to zero',
      object: 'worker-scaled-to-zero',
      status: 'Healthy',
    },
    {
      it: 'is Suspended while the rollout is paused',
      object: 'web-paused',
      status: 'Suspended',
      includes: ['paused'],
    },
    {
      it: 'is Progressing until the controller observes the new generation',
      object: 'web-spec-changed',
      status: 'Progressing',
      message: 'waiting for the controller to observe generation 4 (observed 3)',
    },
    {
      it: 'is Progressing right after creation, before any status is written',
      object: 'web-just-created',
      status: 'Progressing',
      message: 'waiting for the controller to observe generation 1',
    },
    {
      it: 'says how many replicas are updated during a rolling update',
      object: 'web-rolling',
      status: 'Progressing',
      message: 'waiting for rollout: 1 of 3 replicas updated',
    },
    {
      it: 'is Degraded when a new pod cannot pull its image, naming the pod and image',
      object: 'web-rolling',
      pods: [POD.ready, POD.readyToo, POD.imagePullBackOff],
      status: 'Degraded',
      message:
        'waiting for rollout: 1 of 3 replicas updated; pod web-5d8f7c9b4-tq8rn ImagePullBackOff ' +
        '(Back-off pulling image "registry.example.com/shop/web:1.5.0")',
    },
    {
      it: 'waits for old replicas to terminate',
      object: 'web-old-terminating',
      pods: [POD.ready, POD.terminating],
      status: 'Progressing',
      message: 'waiting for rollout: 1 old replica pending termination; pod web-7f9c8d6b5-k2d8s Terminating',
    },
    {
      it: 'waits for updated replicas to become available',
      object: 'web-unavailable',
      status: 'Progressing',
      message: 'waiting for rollout: 1 of 3 updated replicas available',
    },
    {
      it: 'waits until every updated replica is available, even when more are updated than desired',
      object: 'web-scaling-down',
      status: 'Progressing',
      message: 'waiting for rollout: 3 of 4 updated replicas available',
    },
    {
      it: 'is Degraded with ready counts and the crash-looping pod and its exit',
      object: 'web-unavailable',
      pods: [POD.ready, POD.readinessFailing, POD.crashLoop],
      status: 'Degraded',
      message:
        '2/3 pods ready; pod web-7f9c8d6b5-m8k2p CrashLoopBackOff (Error, exit code 1); ' +
        'pod web-7f9c8d6b5-r4t6y not ready (container app)',
    },
    {
      it: 'stays Progressing while pods are only starting or not yet ready',
      object: 'web-unavailable',
      pods: [POD.ready, POD.readinessFailing, POD.containerCreating],
      status: 'Progressing',
      message:
        'waiting for rollout: 1 of 3 updated replicas available; pod web-7f9c8d6b5-r4t6y not ready (container app); ' +
        'pod web-6b7c8d9e0-h7j3k ContainerCreating',
    },
    {
      it: 'names a missing secret behind CreateContainerConfigError',
      object: 'web-unavailable',
      pods: [POD.configError],
      status: 'Degraded',
      includes: ['pod web-6b7c8d9e0-c2v5n CreateContainerConfigError (secret "web-db" not found)'],
    },
    {
      it: 'names the first three failing pods and counts the rest',
      object: 'web-unavailable',
      pods: [POD.readinessFailing, POD.crashLoop, POD.imagePullBackOff, POD.errImagePull, POD.configError],
      status: 'Degraded',
      includes: [
        'pod web-7f9c8d6b5-m8k2p CrashLoopBackOff',
        'pod web-5d8f7c9b4-tq8rn ImagePullBackOff',
        'pod web-5d8f7c9b4-zl4hx ErrImagePull',
        '2 more pods not ready',
      ],
    },
    {
      it: 'is Degraded once the progress deadline is exceeded',
      object: 'web-deadline',
      status: 'Degraded',
      message:
        'rollout exceeded its progress deadline: ReplicaSet "web-84c7d9f5b6" has timed out progressing.',
    },
    {
      it: 'says which pod held up a rollout that exceeded its deadline',
      object: 'web-deadline',
      pods: [POD.errImagePull],
      status: 'Degraded',
      includes: ['progress deadline', 'pod web-5d8f7c9b4-zl4hx ErrImagePull (rpc error: code = NotFound'],
    },
    {
      it: 'is Degraded when pods cannot be created (quota)',
      object: 'web-quota',
      status: 'Degraded',
      includes: ['cannot create pods: FailedCreate: ', 'exceeded quota: compute'],
    },
    {
      it: 'is Progressing while being deleted',
      object: 'web-deleting',
      status: 'Progressing',
      message: 'being deleted since 2025-05-02T12:00:00Z',
    },
    {
      it: 'trusts complete rollout counts over a stale pod list',
      object: 'web',
      pods: [POD.crashLoop],
      status: 'Healthy',
    },
  ]);
});
