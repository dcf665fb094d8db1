import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describePodIssues } from '../../../src/health/pods.js';
import { pods, runHealthCases } from './fixtures.js';
import { POD } from './pod-names.js';

describe('Pod health', () => {
  runHealthCases('pods.yaml', [
    { it: 'is Healthy when Running and Ready', object: POD.ready, status: 'Healthy', message: '' },
    {
      it: 'is Degraded in a crash loop, with the last exit',
      object: POD.crashLoop,
      status: 'Degraded',
      message: 'container app CrashLoopBackOff (Error, exit code 1)',
    },
    {
      it: 'says when the crash loop comes from the OOM killer',
      object: POD.oomKilled,
      status: 'Degraded',
      message: 'container redis CrashLoopBackOff (OOMKilled, exit code 137)',
    },
    {
      it: 'is Degraded on ImagePullBackOff, naming the image',
      object: POD.imagePullBackOff,
      status: 'Degraded',
      message:
        'container app ImagePullBackOff (Back-off pulling image "registry.example.com/shop/web:1.5.0")',
    },
    {
      it: 'is Degraded on ErrImagePull',
      object: POD.errImagePull,
      status: 'Degraded',
      includes: ['container app ErrImagePull (rpc error: code = NotFound'],
    },
    {
      it: 'is Degraded on CreateContainerConfigError, naming the missing secret',
      object: POD.configError,
      status: 'Degraded',
      message: 'container app CreateContainerConfigError (secret "web-db" not found)',
    },
    {
      it: 'is Degraded when an init container crash loops',
      object: POD.initCrashLoop,
      status: 'Degraded',
      message: 'container wait-for-db CrashLoopBackOff (Error, exit code 1)',
    },
    {
      it: 'is Degraded when a container of a restart-always pod exited non-zero, before the crash loop shows',
      object: POD.crashedOnce,
      status: 'Degraded',
      message: 'container app terminated (Error, exit code 2) and is restarted by the kubelet',
    },
    {
      it: 'is Progressing while containers are created',
      object: POD.containerCreating,
      status: 'Progressing',
      message: 'pod pending: container app ContainerCreating',
    },
    {
      it: 'is Progressing when unschedulable, with the scheduler message',
      object: POD.unschedulable,
      status: 'Progressing',
      includes: ['pod not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.'],
    },
    {
      it: 'is Progressing before the scheduler has looked at it',
      object: POD.notScheduledYet,
      status: 'Progressing',
      message: 'pod pending',
    },
    {
      it: 'names the containers whose readiness probe fails',
      object: POD.readinessFailing,
      status: 'Progressing',
      message: 'containers not ready: app',
    },
    {
      it: 'is Healthy once Succeeded',
      object: POD.jobSucceeded,
      status: 'Healthy',
      message: 'pod completed',
    },
    {
      it: 'is Degraded when Failed, with the exit code',
      object: POD.jobFailed,
      status: 'Degraded',
      message: 'pod failed: container migrate Error, exit code 2',
    },
    {
      it: 'is Degraded when evicted, with the kubelet message',
      object: POD.evicted,
      status: 'Degraded',
      includes: ['pod failed: Evicted: The node was low on resource: memory.'],
    },
    { it: 'is Progressing while terminating', object: POD.terminating, status: 'Progressing' },
    {
      it: 'is Progressing while a run-to-completion pod runs, even if Ready',
      object: POD.runToCompletion,
      status: 'Progressing',
      includes: ['restartPolicy OnFailure'],
    },
    {
      it: 'is Unknown when the node is lost',
      object: POD.nodeLost,
      status: 'Unknown',
      includes: ['pod phase Unknown', 'NodeLost'],
    },
  ]);
});

describe('describePodIssues', () => {
  it('says nothing about ready and succeeded pods', () => {
    assert.deepEqual(describePodIssues(pods(POD.ready, POD.readyToo, POD.jobSucceeded)), {
      degraded: false,
      text: '',
    });
  });

  it('lists failing pods before pods that are only starting', () => {
    const described = describePodIssues(pods(POD.containerCreating, POD.crashLoop));
    assert.equal(described.degraded, true);
    assert.equal(
      described.text,
      'pod web-7f9c8d6b5-m8k2p CrashLoopBackOff (Error, exit code 1); pod web-6b7c8d9e0-h7j3k ContainerCreating',
    );
  });

  it('names at most the limit and counts the rest', () => {
    const described = describePodIssues(
      pods(POD.crashLoop, POD.imagePullBackOff, POD.errImagePull, POD.configError),
      { limit: 2 },
    );
    assert.match(
      described.text,
      /^pod web-7f9c8d6b5-m8k2p .*; pod web-5d8f7c9b4-tq8rn .*; 2 more pods not ready$/,
    );
  });

  it('counts a failed pod as failing unless told to leave failed pods out', () => {
    assert.equal(describePodIssues(pods(POD.evicted)).degraded, true);
    assert.deepEqual(describePodIssues(pods(POD.jobFailed), { ignoreFailedPods: true }), {
      degraded: false,
      text: '',
    });
  });

  it('shows why a pod cannot be scheduled without calling it failed', () => {
    const described = describePodIssues(pods(POD.unschedulable));
    assert.equal(described.degraded, false);
    assert.match(described.text, /^pod web-6b7c8d9e0-p5f9w Unschedulable \(0\/3 nodes are available/);
  });
});
