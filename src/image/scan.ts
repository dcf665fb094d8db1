/**
 * One scan of one ImageRepository and one evaluation of one ImagePolicy, as data: what to write to status,
 * which Event to record. The scan controller (scan-controller.ts) decides when; these decide what. A failed
 * scan keeps the last good tags and lastScanTime, and says why in the Ready condition.
 */
import { errorMessage, MooringError } from '../core/errors.js';
import { IMAGE_REPOSITORY_LIMITS } from '../crd/image-repository.js';
import type { ImageRepository, ImageRepositoryStatus } from '../crd/image-repository.js';
import { latestImageOf } from '../crd/image-policy.js';
import type { ImagePolicy, ImagePolicyStatus, ImageRef } from '../crd/image-policy.js';
import { setImageConditions } from '../crd/image-common.js';
import type { ImageConditionUpdate } from '../crd/image-common.js';
import { selectTag } from './policy/select.js';
import { keepTags, statusTags } from './policy/tags.js';
import type { RegistryClient } from './registry/client.js';

/** What started a scan. */
export type ScanTrigger = 'interval' | 'webhook' | 'spec';

/** An Event to record on the object the outcome is about. */
export interface ImageEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The outcome of one scan: the status to write, the full kept tag list (undefined on failure), an Event. */
export interface ScanOutcome {
  status: ImageRepositoryStatus;
  tags: string[] | undefined;
  error: MooringError | undefined;
  event: ImageEvent | undefined;
}

function ready(ok: boolean, reason: string, message: string): ImageConditionUpdate[] {
  return [
    { type: 'Ready', status: ok ? 'True' : 'False', reason, message },
    { type: 'Reconciling', status: 'False', reason, message: '' },
  ];
}

/** Lists the tags of `repo` through `client` and builds the status; never throws for a registry failure. */
export async function scanRepository(
  repo: ImageRepository,
  client: RegistryClient,
  trigger: ScanTrigger,
  now: () => Date,
  signal?: AbortSignal,
): Promise<ScanOutcome> {
  const previous = repo.status ?? {};
  const generation = (repo.metadata.generation as number | undefined) ?? 0;
  const base: ImageRepositoryStatus = {
    ...previous,
    observedGeneration: generation,
    canonicalImageName: client.location.canonicalName,
    lastScanTrigger: trigger,
  };
  try {
    const listing = await client.listTags(signal);
    const tags = keepTags(listing.tags, repo.spec);
    const at = now();
    const message = `found ${tags.length} tag${tags.length === 1 ? '' : 's'}`;
    const changed =
      previous.tagCount !== tags.length ||
      !sameList(previous.tags, statusTags(tags, IMAGE_REPOSITORY_LIMITS.statusTags));
    return {
      status: {
        ...base,
        lastScanTime: at.toISOString(),
        lastScanAttemptTime: at.toISOString(),
        tagCount: tags.length,
        tags: statusTags(tags, IMAGE_REPOSITORY_LIMITS.statusTags),
        conditions: setImageConditions(
          previous.conditions,
          ready(true, 'Succeeded', message),
          generation,
          at,
        ),
      },
      tags,
      error: undefined,
      event: changed ? { type: 'Normal', reason: 'Scanned', message } : undefined,
    };
  } catch (error) {
    return failedScan({ ...repo, status: base }, error, trigger, now);
  }
}

/**
 * The outcome of a scan that failed with `error`, also before any request (a Secret that cannot be used):
 * Ready False with the error's message and hint, the last good tags kept, one Warning per distinct failure.
 */
export function failedScan(
  repo: ImageRepository,
  error: unknown,
  trigger: ScanTrigger,
  now: () => Date,
): ScanOutcome {
  const previous = repo.status ?? {};
  const generation = (repo.metadata.generation as number | undefined) ?? 0;
  const failure =
    error instanceof MooringError
      ? error
      : new MooringError('REGISTRY_FAILED', errorMessage(error), { cause: error, retry: 'transient' });
  const at = now();
  const message = failure.hint === undefined ? failure.message : `${failure.message} (${failure.hint})`;
  const before = previous.conditions?.find((c) => c.type === 'Ready');
  return {
    status: {
      ...previous,
      observedGeneration: generation,
      lastScanTrigger: trigger,
      lastScanAttemptTime: at.toISOString(),
      conditions: setImageConditions(
        previous.conditions,
        ready(false, 'ScanFailed', message),
        generation,
        at,
      ),
    },
    tags: undefined,
    error: failure,
    // One Warning per distinct failure, not one per retry.
    event: before?.message === message ? undefined : { type: 'Warning', reason: 'ScanFailed', message },
  };
}

/** The outcome of evaluating one policy. */
export interface PolicyOutcome {
  status: ImagePolicyStatus;
  event: ImageEvent | undefined;
  /** Set when latestImage changed: from (undefined the first time) and to. */
  changed: { from: string | undefined; to: string } | undefined;
}

/** What the policy's repository looks like to it right now. */
export type RepositoryView =
  | { kind: 'missing' }
  | { kind: 'not-scanned'; why: string }
  | { kind: 'scanned'; repo: ImageRepository; tags: readonly string[]; client: RegistryClient };

/** Chooses the latest tag for `policy` (and its digest with digestPinning); never throws for a registry failure. */
export async function evaluatePolicy(
  policy: ImagePolicy,
  view: RepositoryView,
  now: () => Date,
  signal?: AbortSignal,
): Promise<PolicyOutcome> {
  const previous = policy.status ?? {};
  const generation = (policy.metadata.generation as number | undefined) ?? 0;
  const fail = (reason: string, message: string): PolicyOutcome => {
    const before = previous.conditions?.find((c) => c.type === 'Ready');
    return {
      status: {
        ...previous,
        observedGeneration: generation,
        conditions: setImageConditions(previous.conditions, ready(false, reason, message), generation, now()),
      },
      event: before?.message === message ? undefined : { type: 'Warning', reason, message },
      changed: undefined,
    };
  };
  const repoName = policy.spec.imageRepositoryRef.name;
  if (view.kind === 'missing')
    return fail('DependencyNotReady', `ImageRepository ${repoName} does not exist`);
  if (view.kind === 'not-scanned')
    return fail('DependencyNotReady', `ImageRepository ${repoName} ${view.why}`);
  let ref: ImageRef;
  try {
    const selection = selectTag(policy.spec, view.tags);
    if (selection.kind === 'none')
      return fail('NoMatchingTag', `${selection.reason} (of ${view.tags.length} tags)`);
    ref = { name: view.repo.spec.image, tag: selection.tag };
    if (policy.spec.digestPinning) ref.digest = await view.client.manifestDigest(selection.tag, signal);
  } catch (error) {
    const reason =
      error instanceof MooringError && error.code === 'INVALID_ARGUMENT' ? 'InvalidPolicy' : 'DigestFailed';
    return fail(reason, errorMessage(error));
  }
  const latestImage = latestImageOf(ref);
  const from = previous.latestImage;
  const changed = from === latestImage ? undefined : { from, to: latestImage };
  const message = `latest image is ${latestImage}`;
  return {
    status: {
      ...previous,
      observedGeneration: generation,
      latestRef: ref,
      latestImage,
      ...(changed === undefined || from === undefined ? {} : { observedPreviousImage: from }),
      conditions: setImageConditions(
        previous.conditions,
        ready(true, 'Succeeded', message),
        generation,
        now(),
      ),
    },
    event:
      changed === undefined
        ? undefined
        : {
            type: 'Normal',
            reason: 'NewImage',
            message:
              from === undefined
                ? `latest image is ${latestImage}`
                : `latest image changed from ${from} to ${latestImage}`,
          },
    changed,
  };
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a?.length === b.length && a.every((value, i) => value === b[i]);
}
