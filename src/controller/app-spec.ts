import { MooringError } from '../core/errors.js';
import type { RenderOptions } from '../render/types.js';
import type { RefSpec } from '../source/types.js';
import type { ApplicationSource } from '../crd/application-source.js';
import { renderOptionsOf as crdRenderOptionsOf } from '../crd/application-source.js';
import { durationMs } from '../crd/common.js';
import type { ApplicationSpec } from './app-types.js';

/** The one ref an Application names (the CRD enforces exactly one). Pure. */
export function refOfSpec(spec: ApplicationSpec): RefSpec {
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
  const options = crdRenderOptionsOf(spec.source as ApplicationSource);
  return { ...options, helm: { ...options.helm, releaseName: options.helm?.releaseName ?? appName } };
}

/** A spec duration ("3m", "30s", "1h30m") in milliseconds, or `fallbackMs` when absent or unreadable. */
function durationOr(text: string | undefined, fallbackMs: number): number {
  const ms = text === undefined ? Number.NaN : durationMs(text);
  return Number.isNaN(ms) ? fallbackMs : ms;
}

/** spec.interval in milliseconds; default 3 minutes, at least 1 s. Pure. */
export function intervalMs(spec: ApplicationSpec): number {
  return Math.max(1000, durationOr(spec.interval, 180_000));
}

/** Whether drift is corrected (enforce) or only reported (warn). Pure. */
export function driftModeOf(spec: ApplicationSpec): 'enforce' | 'warn' {
  return spec.syncPolicy?.driftMode ?? (spec.syncPolicy?.selfHeal === false ? 'warn' : 'enforce');
}

/**
 * When to retry a failed sync under spec.syncPolicy.retry (default: 5 retries, 5s doubling up to 3m);
 * undefined once the limit is spent: then the app waits for its next poll, a new commit or a manual sync. Pure.
 */
export function retryDelayMs(spec: ApplicationSpec, failures: number): number | undefined {
  const retry = spec.syncPolicy?.retry;
  const limit = retry?.limit ?? 5;
  if (failures > limit) return undefined;
  const base = durationOr(retry?.backoff?.duration, 5_000);
  const factor = retry?.backoff?.factor ?? 2;
  const max = durationOr(retry?.backoff?.maxDuration, 180_000);
  return Math.min(max, base * factor ** Math.max(0, failures - 1));
}
