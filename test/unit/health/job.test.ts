import { describe } from 'node:test';

import { runHealthCases } from './fixtures.js';
import { POD } from './pod-names.js';

describe('Job health', () => {
  runHealthCases('job.yaml', [
    {
      it: 'is Healthy once Complete',
      object: 'migrate',
      status: 'Healthy',
      message: 'job completed: 1 succeeded',
    },
    {
      it: 'is Degraded with the reason when Failed',
      object: 'migrate-failed',
      status: 'Degraded',
      message: 'job failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    },
    {
      it: 'is Degraded as soon as FailureTarget decides the outcome',
      object: 'report-deadline',
      status: 'Degraded',
      message: 'job failed: DeadlineExceeded: Job was active longer than specified deadline',
    },
    {
      it: 'is Progressing while retrying after a failed pod',
      object: 'migrate-retrying',
      pods: [POD.jobFailed],
      status: 'Progressing',
      message: 'job running: 1 active, 0 of 1 succeeded, 1 failed',
    },
    {
      it: 'is Degraded when its pod cannot pull the image',
      object: 'migrate-stuck',
      pods: [POD.jobImagePull],
      status: 'Degraded',
      message:
        'job running: 1 active, 0 of 1 succeeded; pod migrate-stuck-w2x9c ImagePullBackOff ' +
        '(Back-off pulling image "registry.example.com/shop/migrate:does-not-exist")',
    },
    { it: 'is Suspended with spec.suspend', object: 'reindex', status: 'Suspended', includes: ['suspend'] },
    {
      it: 'waits for a job that has not started',
      object: 'seed',
      status: 'Progressing',
      message: 'waiting for the job to start',
    },
  ]);
});

describe('CronJob health', () => {
  runHealthCases('cronjob.yaml', [
    {
      it: 'is Healthy and says when it last ran',
      object: 'nightly-backup',
      status: 'Healthy',
      message: 'last scheduled 2025-05-02T02:00:00Z',
    },
    {
      it: 'stays Healthy while one of its jobs runs',
      object: 'report',
      status: 'Healthy',
      message: '1 job running, last scheduled 2025-05-02T10:15:00Z',
    },
    { it: 'is Suspended with spec.suspend', object: 'cleanup', status: 'Suspended', includes: ['suspend'] },
  ]);
});
