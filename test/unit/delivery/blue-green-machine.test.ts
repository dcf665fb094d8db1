import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deliverySchema } from '../../../src/crd/delivery.js';
import type { CheckVerdict } from '../../../src/delivery/analysis.js';
import {
  blueGreenStatusOf,
  currentPodHash,
  decideBlueGreen,
  holdServices,
  selectorsAt,
} from '../../../src/delivery/blue-green-machine.js';
import type { BlueGreenProgress } from '../../../src/delivery/blue-green-machine.js';
import type { Observation, RolloutState } from '../../../src/delivery/machine.js';
import type { PlannedObject } from '../../../src/plan/types.js';

const spec = (blueGreen: Record<string, unknown> = {}): ReturnType<typeof deliverySchema.parse> =>
  deliverySchema.parse({
    target: 'web',
    blueGreen: { activeService: 'web', previewService: 'web-preview', scaleDownDelay: '30s', ...blueGreen },
    analysis: { interval: '5s', failureLimit: 1, prometheus: { address: 'http://prom:9090' } },
  });
const AUTO = spec();
const MANUAL = spec({ autoPromotionEnabled: false });

const T0 = 1_000_000;
const state: RolloutState = {
  revision: 'b'.repeat(40),
  stableRevision: 'a'.repeat(40),
  step: 0,
  stepStartedAt: T0,
  failedChecks: 0,
};
const preview: BlueGreenProgress = {
  stage: 'Preview',
  oldPodHash: '5d4f8c',
  gitActive: { app: 'web' },
  gitPreview: { app: 'web' },
  oldRevision: 'a'.repeat(40),
  scaleDownDelay: '30s',
};
const ready: Observation = { canary: { kind: 'ready' } };
const pass: CheckVerdict = { kind: 'pass', metrics: [], message: 'analysis passed' };
const fail: CheckVerdict = {
  kind: 'fail',
  metrics: [{ name: 'ok', value: 50, result: 'Failed', message: '50 < min 99' }],
  message: 'analysis failed: ok 50 < min 99',
};
const low: CheckVerdict = { kind: 'wait', metrics: [], message: 'waiting for traffic' };

describe('blue-green step machine', () => {
  it('waits for the preview to be ready, then one interval, then asks for a check', () => {
    const starting = decideBlueGreen(
      AUTO,
      state,
      preview,
      { canary: { kind: 'progressing', message: '1/4 ready' } },
      T0 + 1000,
    );
    assert.equal(starting.action.kind, 'wait');
    assert.equal(decideBlueGreen(AUTO, state, preview, ready, T0 + 1000).action.kind, 'wait');
    assert.equal(decideBlueGreen(AUTO, state, preview, ready, T0 + 5000).action.kind, 'need-check');
  });

  it('switches the active Service once the analysis passes (automatic promotion)', () => {
    const d = decideBlueGreen(AUTO, state, preview, { ...ready, check: pass }, T0 + 5000);
    assert.equal(d.action.kind, 'switch');
    assert.equal(d.progress.stage, 'Switched');
    assert.equal(d.progress.switchedAt, T0 + 5000);
  });

  it('low traffic waits and a failure within the limit is tolerated, the next one aborts without a switch-back', () => {
    const waiting = decideBlueGreen(AUTO, state, preview, { ...ready, check: low }, T0 + 5000);
    assert.equal(waiting.action.kind, 'wait');
    assert.equal(waiting.state.failedChecks, 0);
    const once = decideBlueGreen(AUTO, state, preview, { ...ready, check: fail }, T0 + 5000);
    assert.equal(once.action.kind, 'wait');
    assert.equal(once.state.failedChecks, 1);
    const twice = decideBlueGreen(AUTO, once.state, preview, { ...ready, check: fail }, T0 + 10_000);
    assert.deepEqual(twice.action, {
      kind: 'abort',
      message: 'analysis failed: ok 50 < min 99',
      metrics: fail.metrics,
      switchBack: false,
    });
  });

  it('a confirm-promotion gate that refuses holds the switch', () => {
    const d = decideBlueGreen(
      AUTO,
      state,
      preview,
      { ...ready, check: pass, confirmGate: { passed: false, message: 'gate approve answered 403' } },
      T0 + 5000,
    );
    assert.equal(d.action.kind, 'wait');
    assert.equal(d.progress.stage, 'Preview');
  });

  it('without automatic promotion it waits for mooring promote after the analysis, and no longer checks', () => {
    const passed = decideBlueGreen(MANUAL, state, preview, { ...ready, check: pass }, T0 + 5000);
    assert.equal(passed.action.kind, 'wait');
    assert.equal(passed.progress.stage, 'AwaitingPromotion');
    assert.match((passed.action as { message: string }).message, /waiting for mooring promote$/);
    const later = decideBlueGreen(MANUAL, passed.state, passed.progress, ready, T0 + 60_000);
    assert.equal(later.action.kind, 'wait', 'no check asked for while awaiting promotion');
    const promoted = decideBlueGreen(
      MANUAL,
      passed.state,
      passed.progress,
      { ...ready, manual: 'promote' },
      T0 + 61_000,
    );
    assert.equal(promoted.action.kind, 'switch');
    assert.equal(promoted.progress.switchedAt, T0 + 61_000);
  });

  it('keeps the old version for the scale-down delay, then scales it down', () => {
    const switched: BlueGreenProgress = { ...preview, stage: 'Switched', switchedAt: T0 };
    const during = decideBlueGreen(AUTO, state, switched, ready, T0 + 20_000);
    assert.deepEqual(during.action, {
      kind: 'wait',
      delayMs: 10_000,
      message: 'switched: users on the new version; the old one goes in 10s',
    });
    const after = decideBlueGreen(AUTO, state, switched, ready, T0 + 30_000);
    assert.equal(after.action.kind, 'scale-down');
    assert.equal(after.progress.stage, 'ScalingDown');
    assert.equal(
      decideBlueGreen(AUTO, state, switched, { ...ready, manual: 'promote' }, T0 + 1000).action.kind,
      'scale-down',
    );
  });

  it('an abort or a failing new version after the switch switches back to the old pods', () => {
    const switched: BlueGreenProgress = { ...preview, stage: 'Switched', switchedAt: T0 };
    const manual = decideBlueGreen(AUTO, state, switched, { ...ready, manual: 'abort' }, T0 + 1000);
    assert.deepEqual(manual.action, {
      kind: 'abort',
      message: 'aborted with mooring abort',
      metrics: [],
      switchBack: true,
    });
    const crashed = decideBlueGreen(
      AUTO,
      state,
      switched,
      { canary: { kind: 'failed', message: 'Pod web-preview-x container main: CrashLoopBackOff' } },
      T0 + 1000,
    );
    assert.equal(crashed.action.kind, 'abort');
    assert.equal((crashed.action as { switchBack: boolean }).switchBack, true);
  });
});

describe('blue-green selectors', () => {
  it('pins the active Service to the old pods before the switch and to the preview pods after it', () => {
    assert.deepEqual(selectorsAt(preview), {
      active: { app: 'web', 'pod-template-hash': '5d4f8c' },
      preview: { app: 'web', 'mooring.dev/track': 'preview' },
    });
    assert.deepEqual(selectorsAt({ ...preview, stage: 'Switched' }).active, {
      app: 'web',
      'mooring.dev/track': 'preview',
    });
  });

  it('a sync during the rollout applies the rollout’s selectors and remembers Git’s', () => {
    const service = (name: string, selector: Record<string, string>): PlannedObject =>
      ({
        id: `shop_${name}__Service`,
        ref: { group: '', kind: 'Service', namespace: 'shop', name },
        object: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector } },
      }) as unknown as PlannedObject;
    const active = service('web', { app: 'web', tier: 'front' });
    const previewSvc = service('web-preview', { app: 'web' });
    const progress: BlueGreenProgress = { ...preview, stage: 'Switched', switchedAt: T0 };
    holdServices(progress, active, previewSvc);
    assert.deepEqual(progress.gitActive, { app: 'web', tier: 'front' });
    assert.deepEqual((active.object.spec as { selector: unknown }).selector, {
      app: 'web',
      tier: 'front',
      'mooring.dev/track': 'preview',
    });
    assert.deepEqual((previewSvc.object.spec as { selector: unknown }).selector, {
      app: 'web',
      'mooring.dev/track': 'preview',
    });
  });

  it('finds the pod-template-hash of the Deployment’s current ReplicaSet only', () => {
    const deployment = {
      metadata: { uid: 'u1', annotations: { 'deployment.kubernetes.io/revision': '3' } },
    };
    const rs = (
      uid: string,
      revision: string,
      hash: string,
    ): Parameters<typeof currentPodHash>[1][number] => ({
      metadata: {
        labels: { 'pod-template-hash': hash },
        annotations: { 'deployment.kubernetes.io/revision': revision },
        ownerReferences: [{ uid, controller: true }],
      },
    });
    assert.equal(
      currentPodHash(deployment, [rs('u1', '2', 'old'), rs('u2', '3', 'other'), rs('u1', '3', 'cur')]),
      'cur',
    );
    assert.equal(currentPodHash(deployment, [rs('u1', '2', 'old')]), undefined);
  });

  it('status names the commit each Service reaches and when the old version goes', () => {
    const before = blueGreenStatusOf(preview, state.revision);
    assert.equal(before.activeRevision, 'a'.repeat(40));
    assert.equal(before.previewRevision, 'b'.repeat(40));
    const after = blueGreenStatusOf({ ...preview, stage: 'Switched', switchedAt: T0 }, state.revision);
    assert.equal(after.activeRevision, 'b'.repeat(40));
    assert.equal(after.scaleDownAt, new Date(T0 + 30_000).toISOString());
  });
});
