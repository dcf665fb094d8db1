/** What an Application's spec means, read from the parsed (defaulted) spec: no default is restated here. */
import { MooringError } from '../core/errors.js';
import type { RenderOptions } from '../render/types.js';
import type { RefSpec } from '../source/types.js';
import type { ApplicationSpec } from '../crd/application.js';
import { effectiveDriftMode, retrySchema } from '../crd/application.js';
import { renderOptionsOf as crdRenderOptionsOf } from '../crd/application-source.js';
import { durationMs } from '../crd/common.js';

export { intervalMs } from '../crd/application.js';

/** The engine's prune brake when spec.syncPolicy.pruneThreshold is absent: at most half the app. */
export const DEFAULT_PRUNE_THRESHOLD = 0.5;

/** The one ref an Application names (the CRD enforces exactly one). Pure. */
export function refOfSpec(spec: Pick<ApplicationSpec, 'source'>): RefSpec {
  const ref = spec.source.ref;
  if (ref.branch !== undefined) return { branch: ref.branch };
  if (ref.tag !== undefined) return { tag: ref.tag };
  if (ref.semver !== undefined) return { semver: ref.semver };
  if (ref.commit !== undefined) return { commit: ref.commit };
  throw new MooringError('INVALID_ARGUMENT', 'spec.source.ref names no branch, tag, semver or commit', {
    step: 'source',
  });
}

/** The renderer options an Application asks for; Helm's release is named after the app by default. Pure. */
export function renderOptionsOf(spec: ApplicationSpec, appName: string): RenderOptions {
  const options = crdRenderOptionsOf(spec.source);
  return { ...options, helm: { ...options.helm, releaseName: options.helm?.releaseName ?? appName } };
}

/** Whether drift is corrected (enforce) or only reported (warn). Pure. */
export function driftModeOf(spec: ApplicationSpec): 'enforce' | 'warn' {
  return effectiveDriftMode(spec.syncPolicy);
}

/** The share of the app a prune may delete before it is refused. Pure. */
export function pruneThresholdOf(spec: ApplicationSpec): number {
  return spec.syncPolicy.pruneThreshold ?? DEFAULT_PRUNE_THRESHOLD;
}

/**
 * When to retry a failed sync under spec.syncPolicy.retry (the schema's defaults when absent: 5 retries,
 * 5s doubling up to 3m); undefined once the limit is spent: then the app waits for its next poll, a new
 * commit or a manual sync. Pure.
 */
export function retryDelayMs(spec: ApplicationSpec, failures: number): number | undefined {
  const retry = spec.syncPolicy.retry ?? retrySchema.parse({});
  if (failures > retry.limit) return undefined;
  const base = durationMs(retry.backoff.duration);
  const max = durationMs(retry.backoff.maxDuration);
  return Math.min(max, base * retry.backoff.factor ** Math.max(0, failures - 1));
}
