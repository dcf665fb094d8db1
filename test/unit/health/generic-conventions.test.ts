import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assessHealth } from '../../../src/health/index.js';
import { isFailureReason, isProgressReason, phaseVerdict, wordsOf } from '../../../src/health/reasons.js';
import { fixture, runHealthCases } from './fixtures.js';

describe('reason words', () => {
  it('splits CamelCase, acronyms and separators into lower-case words', () => {
    assert.deepEqual(wordsOf('ReconciliationFailed'), ['reconciliation', 'failed']);
    assert.deepEqual(wordsOf('HTTPRouteNotAccepted'), ['http', 'route', 'not', 'accepted']);
    assert.deepEqual(wordsOf('IN_PROGRESS'), ['in', 'progress']);
  });
  it('calls a reason a failure only on a whole failure word', () => {
    assert.equal(isFailureReason('ProgressDeadlineExceeded'), true);
    assert.equal(isFailureReason('ErrImagePull'), true);
    assert.equal(isFailureReason('Terrific'), false);
  });
  it('lets a failure word win over a progress word', () => {
    assert.equal(isProgressReason('ReconciliationFailed'), false);
    assert.equal(isProgressReason('ProvisioningFailed'), false);
    assert.equal(isProgressReason('Provisioning'), true);
    assert.equal(isProgressReason('DependencyNotReady'), true);
    assert.equal(isProgressReason('InProgress'), true);
  });
  it('reads phases by convention, whatever the case and separators', () => {
    assert.equal(phaseVerdict('Failed'), 'failed');
    assert.equal(phaseVerdict('ERROR'), 'failed');
    assert.equal(phaseVerdict('In Progress'), 'working');
    assert.equal(phaseVerdict('Succeeded'), 'done');
    assert.equal(phaseVerdict('Bananas'), undefined);
  });
});

describe('generic health conventions', () => {
  runHealthCases('generic.yaml', [
    {
      it: 'is Degraded for Ready=False ReconciliationFailed (not "in progress" because of "reconcil")',
      object: 'reconcile-failed',
      status: 'Degraded',
      message: 'Ready False: ReconciliationFailed: chart pull failed',
    },
    {
      it: 'is Degraded for Ready=False ProvisioningFailed',
      object: 'provisioning-failed',
      status: 'Degraded',
      includes: ['ProvisioningFailed'],
    },
    {
      it: 'is Degraded for Available=False ProgressDeadlineExceeded',
      object: 'deadline-exceeded',
      status: 'Degraded',
      includes: ['ProgressDeadlineExceeded'],
    },
    {
      it: 'is Progressing for Ready=False DependencyNotReady',
      object: 'dependency-not-ready',
      status: 'Progressing',
      includes: ['DependencyNotReady'],
    },
    {
      it: 'is Progressing when Ready describes an older generation than metadata.generation',
      object: 'stale-condition',
      status: 'Progressing',
      message: 'waiting for the controller to observe generation 5 (condition Ready describes 4)',
    },
    {
      it: 'is Suspended with spec.paused, even with a generation not yet observed',
      object: 'paused',
      status: 'Suspended',
      message: 'reconciliation paused (spec.paused)',
    },
    {
      it: 'is Degraded for status.phase Failed, with status.message',
      object: 'phase-failed',
      status: 'Degraded',
      message: 'phase Failed: backup target unreachable',
    },
    { it: 'is Progressing for status.phase Running', object: 'phase-running', status: 'Progressing' },
    { it: 'is Healthy for status.phase Completed', object: 'phase-completed', status: 'Healthy' },
    {
      it: 'is Degraded for status.state Error, with status.reason',
      object: 'state-error',
      status: 'Degraded',
      message: 'state Error: cannot reach the cluster',
    },
    { it: 'is Healthy for status.state active (any case)', object: 'state-active', status: 'Healthy' },
    {
      it: 'is Degraded when a Failed condition is True, before an Unknown Ready',
      object: 'failed-condition',
      status: 'Degraded',
      message: 'Failed True: BadSpec: size must be positive',
    },
    {
      it: 'is Degraded when an Invalid condition is True',
      object: 'invalid-condition',
      status: 'Degraded',
      includes: ['Invalid True'],
    },
    {
      it: 'is Degraded when a SpecError condition is True, even with Ready True',
      object: 'spec-error-condition',
      status: 'Degraded',
      includes: ['SpecError True: BadTemplate'],
    },
    {
      it: 'is Degraded when Crossplane Synced is False, even with Ready True',
      object: 'synced-false',
      status: 'Degraded',
      message: 'Synced False: ReconcileError: cannot update: access denied',
    },
    {
      it: 'is Healthy without status when no CRD is known (built-in conventions only)',
      object: 'no-status-yet',
      status: 'Healthy',
    },
  ]);

  it('is Progressing without status when its CRD declares a status subresource', () => {
    const result = assessHealth(fixture('generic.yaml', 'no-status-yet'), {
      crd: fixture('crd.yaml', 'caches.example.dev'),
    });
    assert.equal(result.status, 'Progressing');
    assert.match(result.message, /^waiting for its controller to report status/);
    assert.match(result.message, /mooring\.dev\/expect-status: "false"/);
  });

  it('is Healthy without status when the object says no status will come', () => {
    const result = assessHealth(fixture('generic.yaml', 'no-status-ever'), {
      crd: fixture('crd.yaml', 'caches.example.dev'),
    });
    assert.equal(result.status, 'Healthy');
  });

  it('is Healthy without status when the CRD says its objects never get one (cluster-wide)', () => {
    const result = assessHealth(fixture('generic.yaml', 'no-status-kind-opt-out'), {
      crd: fixture('crd.yaml', 'profiles.example.dev'),
    });
    assert.equal(result.status, 'Healthy');
  });

  it('is Healthy without status when the CRD has no status subresource', () => {
    const result = assessHealth(fixture('generic.yaml', 'no-status-yet'), {
      crd: fixture('crd.yaml', 'widgets.example.com'),
    });
    assert.equal(result.status, 'Healthy');
  });
});

describe('the way out for kinds whose status never comes', () => {
  it('applies to family rules too: a CRD annotated mooring.dev/expect-status: "false" makes a status-less object Healthy', () => {
    const certificate = fixture('families/cert-manager-secrets-keda.yaml', 'cert-new');
    assert.equal(assessHealth(certificate).status, 'Progressing');
    const crd = fixture('crd.yaml', 'profiles.example.dev');
    const result = assessHealth(certificate, { crd });
    assert.equal(result.status, 'Healthy');
    assert.equal(result.message, 'no status expected (mooring.dev/expect-status)');
  });
});
