/**
 * Blue-green, the pure part: the step machine (preview → analysis → promotion gate → switch → scale-down
 * delay → the Deployment takes the new template), the selectors the two Services get at each stage, and the
 * engine hold-back that keeps a sync from putting Git's selectors back while a rollout owns them. The
 * analysis of the preview is the canary's (decideRollout with one step at 0% of users), so failure limit,
 * minimum sample size and webhook gates mean the same thing in both strategies.
 */
import { durationMs } from '../crd/common.js';
import type { BlueGreenStage, DeliverySpec, DeliveryStatus } from '../crd/delivery.js';
import type { PlannedObject } from '../plan/types.js';
import type { MetricVerdict } from './analysis.js';
import { TRACK_LABEL } from './hold.js';
import { decideRollout } from './machine.js';
import type { Observation, RolloutState } from './machine.js';

/** The label Kubernetes' Deployment controller puts on the pods of each ReplicaSet. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** The value of mooring.dev/track on the pods of the preview Deployment. */
export const PREVIEW_TRACK = 'preview';

export type Selector = Record<string, string>;

/** Where a blue-green rollout stands (kept with the rollout in the app's memory). */
export interface BlueGreenProgress {
  stage: BlueGreenStage;
  /** pod-template-hash of the old version's pods: the active Service is pinned to them until the switch. */
  oldPodHash: string;
  /** The selectors Git declares (seen at the last sync): what the Services go back to at the end. */
  gitActive: Selector;
  gitPreview: Selector;
  switchedAt?: number | undefined;
  /** The commit the old version came from (shown in status as what the active Service reaches). */
  oldRevision?: string | undefined;
  /** spec.delivery.blueGreen.scaleDownDelay when the rollout started. */
  scaleDownDelay: string;
}

export type BlueGreenAction =
  | { kind: 'wait'; delayMs: number; message: string }
  | { kind: 'need-check' }
  /** The active Service's selector moves to the preview pods. */
  | { kind: 'switch'; message: string }
  /** The delay is over: the Deployment named in Git takes the new template (a sync), the old pods go. */
  | { kind: 'scale-down'; message: string }
  /** Back to the old version; `switchBack`: the active Service had moved and returns to the old pods. */
  | { kind: 'abort'; message: string; metrics: MetricVerdict[]; switchBack: boolean };

export interface BlueGreenDecision {
  state: RolloutState;
  progress: BlueGreenProgress;
  action: BlueGreenAction;
}

const POLL_MS = 5000;

/** The selectors of the two Services at a stage: Git's, plus the key that pins them to one version. */
export function selectorsAt(progress: BlueGreenProgress): { active: Selector; preview: Selector } {
  const onPreview = { ...progress.gitActive, [TRACK_LABEL]: PREVIEW_TRACK };
  const onOld = { ...progress.gitActive, [POD_TEMPLATE_HASH]: progress.oldPodHash };
  const switched = progress.stage === 'Switched' || progress.stage === 'ScalingDown';
  return {
    active: switched ? onPreview : onOld,
    preview: { ...progress.gitPreview, [TRACK_LABEL]: PREVIEW_TRACK },
  };
}

export function decideBlueGreen(
  spec: DeliverySpec,
  state: RolloutState,
  progress: BlueGreenProgress,
  seen: Observation,
  now: number,
): BlueGreenDecision {
  const at = (stage: BlueGreenStage, extra: Partial<BlueGreenProgress> = {}): BlueGreenProgress => ({
    ...progress,
    ...extra,
    stage,
  });
  const abort = (message: string, metrics: MetricVerdict[] = []): BlueGreenDecision => ({
    state,
    progress,
    action: { kind: 'abort', message, metrics, switchBack: progress.stage === 'Switched' },
  });
  const switchNow = (message: string, next: RolloutState = state): BlueGreenDecision => ({
    state: next,
    progress: at('Switched', { switchedAt: now }),
    action: { kind: 'switch', message },
  });
  if (progress.stage === 'ScalingDown')
    return { state, progress, action: { kind: 'wait', delayMs: 1000, message: 'scaling down' } };
  if (seen.manual === 'abort') return abort('aborted with mooring abort');
  if (seen.canary.kind === 'failed') return abort(`new version failed: ${seen.canary.message}`);
  if (progress.stage === 'Switched') {
    const ends = (progress.switchedAt ?? now) + durationMs(progress.scaleDownDelay);
    if (seen.manual === 'promote' || now >= ends)
      return {
        state,
        progress: at('ScalingDown'),
        action: {
          kind: 'scale-down',
          message:
            seen.manual === 'promote'
              ? 'mooring promote: the old version goes now'
              : 'scale-down delay over: the old version goes',
        },
      };
    return {
      state,
      progress,
      action: {
        kind: 'wait',
        delayMs: Math.max(1, ends - now),
        message: `switched: users on the new version; the old one goes in ${Math.ceil((ends - now) / 1000)}s`,
      },
    };
  }
  if (progress.stage === 'AwaitingPromotion') {
    if (seen.manual === 'promote') return switchNow('promoted with mooring promote');
    return {
      state,
      progress,
      action: { kind: 'wait', delayMs: POLL_MS, message: 'analysis passed; waiting for mooring promote' },
    };
  }
  // Preview: the canary's judgement of one step at 0% of users (the preview Service only).
  const d = decideRollout(spec, state, seen, now);
  switch (d.action.kind) {
    case 'wait':
      return { state: d.state, progress, action: d.action };
    case 'need-check':
      return { state: d.state, progress, action: d.action };
    case 'abort':
      return { ...abort(d.action.message, d.action.metrics), state: d.state };
    case 'set-step':
    case 'promote': {
      const manual = seen.manual === 'promote';
      if (!manual && spec.blueGreen?.autoPromotionEnabled === false)
        return {
          state: d.state,
          progress: at('AwaitingPromotion'),
          action: {
            kind: 'wait',
            delayMs: POLL_MS,
            message: `${d.action.message.replace(/; promoting$/, '')}; waiting for mooring promote`,
          },
        };
      return switchNow(manual ? 'promoted with mooring promote' : d.action.message, d.state);
    }
  }
}

interface ReplicaSetShape {
  metadata: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; controller?: boolean }[];
  };
}

/**
 * The pod-template-hash of a Deployment's current ReplicaSet (the one owned by it whose revision annotation
 * is the Deployment's), or undefined when it has none yet.
 */
export function currentPodHash(
  deployment: { metadata: { uid?: string | undefined; annotations?: Record<string, string> } },
  replicaSets: readonly ReplicaSetShape[],
): string | undefined {
  const revision = deployment.metadata.annotations?.['deployment.kubernetes.io/revision'];
  if (revision === undefined || deployment.metadata.uid === undefined) return undefined;
  const current = replicaSets.find(
    (rs) =>
      rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid && o.controller === true) ===
        true && rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision,
  );
  return current?.metadata.labels?.[POD_TEMPLATE_HASH];
}

/** The planned Service `name` in `namespace`, if the plan has it. */
export function plannedService(
  planned: Iterable<PlannedObject>,
  name: string,
  namespace: string,
): PlannedObject | undefined {
  for (const p of planned)
    if (
      p.ref.kind === 'Service' &&
      p.ref.group === '' &&
      p.ref.name === name &&
      p.ref.namespace === namespace
    )
      return p;
  return undefined;
}

export function selectorOf(service: PlannedObject): Selector {
  return { ...(service.object.spec as { selector?: Selector } | undefined)?.selector };
}

export function setSelector(service: PlannedObject, selector: Selector): void {
  const spec = (service.object.spec ?? {}) as { selector?: Selector };
  spec.selector = selector;
  service.object.spec = spec;
}

/**
 * The Service hold-back of a sync during a blue-green rollout: a Service's selector is one field for
 * server-side apply (a map of type atomic), so a second field manager cannot own only the key it adds. The
 * rollout's selectors are written into the planned Services instead, so the sync applies what the rollout
 * set (no fight, no drift), and Git's selectors are remembered for the end of the rollout.
 */
export function holdServices(
  progress: BlueGreenProgress,
  active: PlannedObject,
  preview: PlannedObject,
): void {
  progress.gitActive = selectorOf(active);
  progress.gitPreview = selectorOf(preview);
  const selectors = selectorsAt(progress);
  setSelector(active, selectors.active);
  setSelector(preview, selectors.preview);
}

/** status.delivery.blueGreen of a rollout. */
export function blueGreenStatusOf(
  progress: BlueGreenProgress,
  revision: string,
): NonNullable<DeliveryStatus['blueGreen']> {
  const selectors = selectorsAt(progress);
  const switched = progress.stage === 'Switched' || progress.stage === 'ScalingDown';
  const activeRevision = switched ? revision : progress.oldRevision;
  return {
    stage: progress.stage,
    ...(activeRevision === undefined ? {} : { activeRevision }),
    previewRevision: revision,
    activeSelector: selectors.active,
    previewSelector: selectors.preview,
    ...(progress.switchedAt === undefined
      ? {}
      : { scaleDownAt: new Date(progress.switchedAt + durationMs(progress.scaleDownDelay)).toISOString() }),
  };
}
