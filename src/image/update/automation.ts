/**
 * One run of an ImageUpdateAutomation: read the images its namespace's ImagePolicies chose, edit the marked
 * fields of the repository (leaving alone the folders of Applications a rollback holds), commit and push (or
 * push a branch and open a pull request), then write status and Events. Never throws: the outcome is data.
 */
import { randomBytes } from 'node:crypto';

import type { Application } from '../../app/model.js';
import { applicationRef, MOORING_API_VERSION } from '../../app/model.js';
import { errorMessage, MooringError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { KubeObject } from '../../core/objects.js';
import { shortCommit } from '../../core/short-commit.js';
import { recordEvent } from '../../controller/events.js';
import { credentialsFor } from '../../controller/source-access.js';
import type { ImageUpdateAutomation, ImageUpdateAutomationStatus } from '../../crd/imageupdateautomation.js';
import { IMAGE_UPDATE_AUTOMATION_KIND, PULL_REQUEST_BRANCH_PREFIX } from '../../crd/imageupdateautomation.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import { commitImageEdits } from '../../source/image-commit.js';
import type { EditPlan, ImageCommitResult, RepoFile } from '../../source/image-commit.js';
import { displayURL, isFileRepoURL } from '../../source/validate.js';
import type { ChosenImage } from './edit.js';
import { editImages } from './edit.js';
import type { RollbackHold } from './hold.js';
import { holdOf, rollbackHolds } from './hold.js';
import type { FileChange } from './message.js';
import { commitMessage } from './message.js';
import { openOrUpdatePullRequest } from './pull-request.js';
import type { PullRequestResult } from './pull-request.js';
import { Egress } from '../../net/egress.js';

export interface AutomationDeps {
  objects: ObjectsApi;
  logger: Logger;
  /** The Applications the controller knows (held ones are found among them). */
  applications(): Promise<readonly Application[]>;
  /** Accept file:// repository URLs (tests and the demo). */
  allowFileRepos?: boolean | undefined;
  /** Which addresses pull-request APIs may be reached at (default: public only). */
  egress?: Egress | undefined;
  now?: () => Date;
  /** Called once per run with its outcome (metrics). */
  onRun?: (automation: ImageUpdateAutomation, outcome: AutomationOutcome) => void;
}

export type AutomationOutcome =
  | {
      kind: 'pushed';
      commit: string;
      branch: string;
      changes: FileChange[];
      held: RollbackHold[];
      /** The changes left out of the commit because a rollback holds their folder. */
      heldChanges?: FileChange[];
      observed: ObservedPolicy[];
      pullRequest?: PullRequestResult;
    }
  | { kind: 'unchanged'; held: RollbackHold[]; heldChanges?: FileChange[]; observed: ObservedPolicy[] }
  | { kind: 'suspended' }
  | { kind: 'failed'; message: string };

/** A policy a marker named and the image it chose, as status.observedPolicies lists them. */
export interface ObservedPolicy {
  name: string;
  latestImage: string;
}

/** The ImagePolicy kind the registry side writes (src/crd/image-policy.ts). */
const IMAGE_POLICY_KIND = 'ImagePolicy';

/** Runs `automation` once and records the outcome in its status and Events. */
export async function runAutomation(
  deps: AutomationDeps,
  automation: ImageUpdateAutomation,
): Promise<AutomationOutcome> {
  const outcome = await attempt(deps, automation).catch((error: unknown): AutomationOutcome => ({
    kind: 'failed',
    message: errorMessage(error),
  }));
  await recordOutcome(deps, automation, outcome).catch((error: unknown) => {
    deps.logger.warn(
      { automation: keyOf(automation), error: errorMessage(error) },
      'cannot write automation status',
    );
  });
  deps.onRun?.(automation, outcome);
  return outcome;
}

interface RunState {
  changes: FileChange[];
  held: Map<string, RollbackHold>;
  heldChanges: FileChange[];
  unresolved: Set<string>;
  /** Policies markers named that have chosen an image (held folders included). */
  observed: Set<string>;
  problems: string[];
  policies: Map<string, ChosenImage>;
}

async function attempt(deps: AutomationDeps, automation: ImageUpdateAutomation): Promise<AutomationOutcome> {
  const { spec } = automation;
  if (spec.suspend) return { kind: 'suspended' };
  const namespace = automation.metadata.namespace;
  if (isFileRepoURL(spec.sourceRef.url) && deps.allowFileRepos !== true)
    throw new MooringError(
      'UNSAFE_INPUT',
      `${keyOf(automation)}: file:// repository ${displayURL(spec.sourceRef.url)} refused: only with --allow-file-repos`,
      { hint: 'use an https:// or ssh:// repository URL' },
    );
  const policies = await chosenImages(deps.objects, namespace);
  const holds = rollbackHolds(spec.sourceRef, await deps.applications());
  const credentials = await credentialsFor(deps.objects, {
    namespace,
    owner: `${IMAGE_UPDATE_AUTOMATION_KIND} ${keyOf(automation)}`,
    repoURL: spec.sourceRef.url,
    secretName: spec.sourceRef.secretRef?.name,
    secretField: 'spec.sourceRef.secretRef',
  });
  const pullRequest = spec.push.pullRequest;
  const pushBranch =
    pullRequest !== undefined ? `${PULL_REQUEST_BRANCH_PREFIX}${automation.metadata.name}` : spec.push.branch;
  let state: RunState = emptyState(policies);
  const result = await commitImageEdits({
    repoURL: spec.sourceRef.url,
    branch: spec.sourceRef.branch,
    pushBranch: pushBranch === spec.sourceRef.branch ? undefined : pushBranch,
    paths: spec.update.paths,
    author: spec.git.author,
    credentials,
    edit: (files) => {
      state = emptyState(policies);
      return planEdits(files, automation, holds, state);
    },
  });
  for (const problem of [...state.problems, ...[...state.unresolved].map(unresolvedProblem)])
    deps.logger.warn({ automation: keyOf(automation) }, problem);
  const held = [...state.held.values()];
  return finish(deps, automation, result, state, held);
}

async function finish(
  deps: AutomationDeps,
  automation: ImageUpdateAutomation,
  result: ImageCommitResult,
  state: RunState,
  held: RollbackHold[],
): Promise<AutomationOutcome> {
  switch (result.kind) {
    case 'refused':
      return { kind: 'failed', message: result.reason };
    case 'unchanged':
      return { kind: 'unchanged', held, heldChanges: state.heldChanges, observed: observedPolicies(state) };
    case 'pushed': {
      const pullRequest = automation.spec.push.pullRequest;
      if (pullRequest === undefined)
        return {
          kind: 'pushed',
          commit: result.commit,
          branch: result.branch,
          changes: state.changes,
          held,
          heldChanges: state.heldChanges,
          observed: observedPolicies(state),
        };
      const token = await pullRequestToken(deps.objects, automation);
      const message = commitMessage(
        automation.spec.git.messageTemplate,
        '',
        keyOf(automation),
        state.changes,
      );
      const [title = 'Update images', ...rest] = message.split('\n');
      const opened = await openOrUpdatePullRequest({
        provider: pullRequest.provider,
        apiURL: pullRequest.apiURL,
        repository: pullRequest.repository,
        token: token.value,
        allowInsecureHTTP: token.allowInsecureHTTP,
        head: result.branch,
        base: pullRequest.base ?? automation.spec.sourceRef.branch,
        title,
        body: rest.join('\n').trim(),
        fetch: (deps.egress ?? Egress.shared()).fetch,
      });
      return {
        kind: 'pushed',
        commit: result.commit,
        branch: result.branch,
        changes: state.changes,
        held,
        heldChanges: state.heldChanges,
        observed: observedPolicies(state),
        pullRequest: opened,
      };
    }
  }
}

/** The policies of the run's markers with their images, by name (they are all of the automation's namespace). */
function observedPolicies(state: RunState): ObservedPolicy[] {
  const observed: ObservedPolicy[] = [];
  for (const key of [...state.observed].sort()) {
    const chosen = state.policies.get(key);
    if (chosen !== undefined)
      observed.push({ name: key.slice(key.indexOf('/') + 1), latestImage: chosen.image });
  }
  return observed;
}

function emptyState(policies: Map<string, ChosenImage>): RunState {
  return {
    changes: [],
    held: new Map(),
    heldChanges: [],
    unresolved: new Set(),
    observed: new Set(),
    problems: [],
    policies,
  };
}

/** The edit of one head: every file through editImages, held folders left alone, one message. */
function planEdits(
  files: readonly RepoFile[],
  automation: ImageUpdateAutomation,
  holds: readonly RollbackHold[],
  state: RunState,
): EditPlan {
  const edited: RepoFile[] = [];
  for (const file of files) {
    const result = editImages(file.content, state.policies, automation.metadata.namespace);
    for (const key of result.unresolved) state.unresolved.add(key);
    for (const key of result.observed) state.observed.add(key);
    state.problems.push(...result.problems.map((p) => `${file.path}: ${p}`));
    if (result.changes.length === 0) continue;
    const hold = holdOf(file.path, holds);
    if (hold !== undefined) {
      state.held.set(hold.app, hold);
      state.heldChanges.push(...result.changes.map((c) => ({ ...c, path: file.path })));
      continue;
    }
    edited.push({ path: file.path, content: result.content });
    state.changes.push(...result.changes.map((c) => ({ ...c, path: file.path })));
  }
  const { messageTemplate, trailer } = automation.spec.git;
  return {
    files: edited,
    message: commitMessage(messageTemplate, trailer, keyOf(automation), state.changes),
  };
}

/**
 * The images the ImagePolicies of `namespace` chose, by `namespace/name`. Only the automation's own
 * namespace: a marker naming another namespace stays unresolved (no cross-namespace references).
 */
async function chosenImages(objects: ObjectsApi, namespace: string): Promise<Map<string, ChosenImage>> {
  const policies = await objects.list(MOORING_API_VERSION, IMAGE_POLICY_KIND, { namespace });
  const chosen = new Map<string, ChosenImage>();
  for (const policy of policies) {
    const status = policy.status as
      { latestImage?: string; latestRef?: { name?: string; tag?: string; digest?: string } } | undefined;
    const ref = status?.latestRef;
    if (status?.latestImage === undefined || ref?.name === undefined || ref.tag === undefined) continue;
    chosen.set(`${namespace}/${policy.metadata.name}`, {
      image: status.latestImage,
      name: ref.name,
      tag: ref.tag,
      digest: ref.digest,
    });
  }
  return chosen;
}

async function pullRequestToken(
  objects: ObjectsApi,
  automation: ImageUpdateAutomation,
): Promise<{ value: string; allowInsecureHTTP: boolean }> {
  const ref = automation.spec.push.pullRequest?.tokenSecretRef;
  const namespace = automation.metadata.namespace;
  const secret =
    ref === undefined
      ? undefined
      : await objects.get('v1', { group: '', kind: 'Secret', namespace, name: ref.name });
  const data = (secret?.data ?? {}) as Record<string, string>;
  const encoded = ref === undefined ? undefined : data[ref.key];
  if (ref === undefined || encoded === undefined)
    throw new MooringError(
      'SOURCE_FAILED',
      `${keyOf(automation)}: the pull request token (secret ${namespace}/${ref?.name ?? '?'}, key ${ref?.key ?? 'token'}) does not exist`,
      {
        hint: 'create the Secret named by spec.push.pullRequest.tokenSecretRef with the API token under that key',
      },
    );
  const insecure = data.insecureAllowHTTP;
  return {
    value: Buffer.from(encoded, 'base64').toString('utf8').trim(),
    allowInsecureHTTP: insecure !== undefined && Buffer.from(insecure, 'base64').toString('utf8') === 'true',
  };
}

function unresolvedProblem(key: string): string {
  return `a marker names ImagePolicy ${key}, which has not chosen an image (or is in another namespace)`;
}

function keyOf(automation: ImageUpdateAutomation): string {
  return `${automation.metadata.namespace}/${automation.metadata.name}`;
}

/** Status, a Ready condition and Events for one outcome. */
async function recordOutcome(
  deps: AutomationDeps,
  automation: ImageUpdateAutomation,
  outcome: AutomationOutcome,
): Promise<void> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const previous = automation.status ?? {};
  const held =
    'held' in outcome ? outcome.held.map(({ app, reason }) => ({ app, reason })) : (previous.held ?? []);
  // A failed or suspended run saw no policies: the last run's stay.
  const observedPolicies = 'observed' in outcome ? outcome.observed : previous.observedPolicies;
  const ready = readyCondition(outcome);
  const before = previous.conditions?.[0];
  const status: ImageUpdateAutomationStatus = {
    observedGeneration: automation.metadata.generation as number | undefined,
    lastAutomationRunTime: now,
    held,
    ...(observedPolicies === undefined ? {} : { observedPolicies }),
    conditions: [
      {
        type: 'Ready',
        ...ready,
        lastTransitionTime: before?.status === ready.status ? before.lastTransitionTime : now,
      },
    ],
    ...(outcome.kind === 'pushed'
      ? {
          lastPushCommit: outcome.commit,
          lastPushTime: now,
          ...(outcome.pullRequest === undefined
            ? {}
            : { pullRequest: { url: outcome.pullRequest.url, number: outcome.pullRequest.number } }),
        }
      : {}),
  };
  await deps.objects.mergePatch(
    MOORING_API_VERSION,
    {
      group: 'mooring.dev',
      kind: IMAGE_UPDATE_AUTOMATION_KIND,
      namespace: automation.metadata.namespace,
      name: automation.metadata.name,
    },
    { status: { ...status, held } },
    { subresource: 'status' },
  );
  automation.status = { ...previous, ...status };
  const newlyHeld = held.filter((h) => !(previous.held ?? []).some((p) => p.app === h.app));
  for (const hold of newlyHeld) {
    await event(deps.objects, automation, 'Normal', 'HeldByRollback', hold.reason);
    // On the Application too: `kubectl describe application` says why its images stay.
    const [namespace = '', name = ''] = hold.app.split('/');
    const app = await deps.objects
      .get(MOORING_API_VERSION, applicationRef(namespace, name))
      .catch(() => undefined);
    if (app !== undefined)
      await recordEvent(
        deps.objects,
        app as Application,
        'Normal',
        'ImageUpdatesHeld',
        `${keyOf(automation)} does not bump images here until mooring unpin: ${hold.reason}`,
      );
  }
  if (outcome.kind === 'pushed')
    await event(deps.objects, automation, 'Normal', 'ImagesUpdated', ready.message);
  else if (outcome.kind === 'failed' && before?.message !== outcome.message)
    await event(deps.objects, automation, 'Warning', 'ImageUpdateFailed', outcome.message);
}

function readyCondition(outcome: AutomationOutcome): {
  status: 'True' | 'False';
  reason: string;
  message: string;
} {
  switch (outcome.kind) {
    case 'pushed': {
      const images = [...new Set(outcome.changes.map((c) => `${c.before} → ${c.after}`))].join(', ');
      const where = outcome.pullRequest === undefined ? outcome.branch : outcome.pullRequest.url;
      return {
        status: 'True',
        reason: 'Pushed',
        message: `pushed ${shortCommit(outcome.commit)} to ${where}: ${images}`,
      };
    }
    case 'unchanged':
      return {
        status: 'True',
        reason: outcome.held.length > 0 ? 'HeldByRollback' : 'UpToDate',
        message:
          outcome.held.length > 0
            ? outcome.held.map((h) => h.reason).join('; ')
            : 'the repository already carries the chosen images',
      };
    case 'suspended':
      return { status: 'False', reason: 'Suspended', message: 'spec.suspend is true' };
    case 'failed':
      return { status: 'False', reason: 'UpdateFailed', message: outcome.message };
  }
}

/** An Event on the automation (kubectl describe shows it). Best effort. */
async function event(
  objects: ObjectsApi,
  automation: ImageUpdateAutomation,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  const now = new Date().toISOString();
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${automation.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`,
      namespace: automation.metadata.namespace,
    },
    involvedObject: {
      apiVersion: MOORING_API_VERSION,
      kind: IMAGE_UPDATE_AUTOMATION_KIND,
      name: automation.metadata.name,
      namespace: automation.metadata.namespace,
      uid: automation.metadata.uid,
    },
    reason,
    message: message.slice(0, 1024),
    type,
    source: { component: 'mooring-controller' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  await objects.create(object).catch(() => undefined);
}
