import { describe } from 'node:test';

import { runHealthCases } from './fixtures.js';
import { POD } from './pod-names.js';

describe('StatefulSet health', () => {
  runHealthCases('statefulset.yaml', [
    {
      it: 'is Healthy when all pods are ready at the current revision',
      object: 'db',
      status: 'Healthy',
      message: '',
    },
    {
      it: 'waits for pods to become ready',
      object: 'db-starting',
      status: 'Progressing',
      message: 'waiting for pods: 1 of 3 ready',
    },
    {
      it: 'is Degraded when a pod is OOM-killed in a crash loop',
      object: 'cache',
      pods: [POD.oomKilled],
      status: 'Degraded',
      message: '0/1 pods ready; pod cache-0 CrashLoopBackOff (OOMKilled, exit code 137)',
    },
    {
      it: 'is Healthy with OnDelete and says how many pods keep the old revision',
      object: 'db-ondelete',
      status: 'Healthy',
      message: 'updateStrategy OnDelete: 2 of 3 pods keep the old revision until deleted',
    },
    {
      it: 'waits for the pods above the partition to be updated',
      object: 'db-canary',
      status: 'Progressing',
      message: 'waiting for partitioned rollout: 0 of 1 pods updated (partition 2)',
    },
    {
      it: 'is Healthy once the partitioned rollout is done, despite differing revisions',
      object: 'db-canary-done',
      status: 'Healthy',
      includes: ['partitioned rollout complete: 1 updated, ordinals below 2 kept'],
    },
    {
      it: 'counts updated pods during a rolling update',
      object: 'db-rolling',
      status: 'Progressing',
      message: 'waiting for rollout: 1 of 3 pods updated',
    },
    {
      it: 'waits until currentRevision catches up with updateRevision',
      object: 'db-revision-lag',
      status: 'Progressing',
      message:
        'waiting for rollout: pods at revision db-revision-lag-59f8c7d6b, updating to db-revision-lag-6a7b8c9d0',
    },
    {
      it: 'is Progressing until the new generation is observed',
      object: 'db-spec-changed',
      status: 'Progressing',
      includes: ['generation 7 (observed 6)'],
    },
  ]);
});

describe('DaemonSet health', () => {
  runHealthCases('daemonset.yaml', [
    {
      it: 'is Healthy when every node runs an updated, available pod',
      object: 'node-agent',
      status: 'Healthy',
    },
    {
      it: 'counts updated pods during a rolling update',
      object: 'node-agent-rolling',
      status: 'Progressing',
      message: 'waiting for rollout: 1 of 3 pods updated',
    },
    {
      it: 'waits for pods to become available',
      object: 'log-shipper',
      status: 'Progressing',
      message: 'waiting for rollout: 2 of 3 pods available',
    },
    {
      it: 'is Degraded when an init container crash loops',
      object: 'log-shipper',
      pods: [POD.ready, POD.initCrashLoop],
      status: 'Degraded',
      message: '2/3 pods ready; pod api-58d6f7c9b-w9x2c CrashLoopBackOff (Error, exit code 1)',
    },
    { it: 'does not wait for OnDelete updates', object: 'cni', status: 'Healthy' },
    {
      it: 'is Progressing until the new generation is observed',
      object: 'node-agent-spec-changed',
      status: 'Progressing',
      includes: ['generation 9 (observed 8)'],
    },
    {
      it: 'reports misscheduled pods without waiting for them',
      object: 'gpu-exporter',
      status: 'Healthy',
      message: '1 pod running on nodes that no longer match',
    },
  ]);
});

describe('ReplicaSet health', () => {
  runHealthCases('replicaset.yaml', [
    { it: 'is Healthy when all replicas are available', object: 'web-7f9c8d6b5', status: 'Healthy' },
    {
      it: 'waits for replicas to become available',
      object: 'web-5d8f7c9b4',
      status: 'Progressing',
      message: 'waiting for replicas: 0 of 2 available',
    },
    {
      it: 'is Degraded when its pods cannot pull the image',
      object: 'web-5d8f7c9b4',
      pods: [POD.imagePullBackOff, POD.errImagePull],
      status: 'Degraded',
      includes: [
        '0/2 pods ready',
        'web-5d8f7c9b4-tq8rn ImagePullBackOff',
        'web-5d8f7c9b4-zl4hx ErrImagePull',
      ],
    },
    {
      it: 'is Degraded when pod creation is forbidden',
      object: 'web-quota-6c9d8b7f5',
      status: 'Degraded',
      includes: ['cannot create pods', 'exceeded quota'],
    },
  ]);
});
