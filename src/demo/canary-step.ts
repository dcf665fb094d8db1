/**
 * The demo's progressive delivery step — "push a bad version, watch it roll back in Git". `mooring demo`
 * starts a loopback Prometheus (Debian's) scraping simulated traffic of the example app `canary-web` and
 * creates its Application with `spec.delivery` (canary steps, analysis on the built-in success rate and p99
 * latency). `mooring demo canary`, run beside it, commits a version whose canary fails the analysis and
 * prints the rollout until the controller's revert commit is in Git and synced, then a good version that is
 * promoted. Skipped with a sentence (never a failure) when Prometheus is not installed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import semver from 'semver';

import type { ApplicationManifest as Application } from '../app/model.js';
import { MOORING_API_VERSION } from '../app/model.js';
import { MooringError } from '../core/errors.js';
import { shortCommit } from '../core/short-commit.js';
import { pollUntil } from '../core/wait.js';
import type { DeliveryStatus } from '../crd/delivery.js';
import { findPrometheusBinary, startLocalPrometheus } from '../devcluster/local-prometheus.js';
import type { LocalPrometheus } from '../devcluster/local-prometheus.js';
import { git } from '../devgit/git-cli.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import { DEMO_NAMESPACE, demoApplication } from './apps.js';
import type { DemoApp } from './apps.js';
import { ERROR_RATE_ANNOTATION, REQUESTS_PER_SCRAPE, startSimulatedTraffic } from './canary-traffic.js';
import type { SimulatedTraffic } from './canary-traffic.js';
import type { DemoLayout } from './layout.js';
import type { Print } from './steps.js';
import { INDENT } from './steps.js';
import { stepPrerequisites } from './step-prerequisites.js';
import { waitForApps } from './wait-apps.js';

/** The example app delivered progressively (examples/canary-web). */
export const CANARY_DEMO_APP: DemoApp = { name: 'canary-web', path: 'canary-web', namespace: 'canary-web' };
/** Its Deployment (the canary is `web-canary`). */
export const CANARY_TARGET = 'web';
const MANIFEST = `${CANARY_DEMO_APP.path}/deployment.yaml`;
/** The steps of the demo's canary (percent of the replicas, so of the traffic). */
export const CANARY_WEIGHTS = [25, 50] as const;
/** The error rate of the bad version the step pushes. */
export const BAD_ERROR_RATE = 50;

/** Printed (and written in the README) when Prometheus is not installed. */
export const PROMETHEUS_MISSING =
  "skipped: Debian's prometheus is not installed (`sudo apt-get install prometheus`, then run the demo again)";

/** The Application of canary-web: the demo's app plus spec.delivery judged by the Prometheus at `prometheusURL`. */
export function canaryApplication(repoURL: string, prometheusURL: string): Application {
  const app = demoApplication(CANARY_DEMO_APP, repoURL);
  return {
    ...app,
    spec: {
      ...app.spec,
      delivery: {
        target: CANARY_TARGET,
        canary: { steps: CANARY_WEIGHTS.map((weight) => ({ weight })) },
        analysis: {
          // Short, so the demo shows a whole rollout in well under a minute; real ones check every minute.
          interval: '5s',
          failureLimit: 1,
          minSampleSize: 10,
          prometheus: { address: prometheusURL },
          metrics: [
            { name: 'success', builtin: 'request-success-rate', thresholdRange: { min: 99 } },
            { name: 'latency', builtin: 'request-duration', thresholdRange: { max: 500 } },
          ],
        },
      },
    },
  };
}

/** What `mooring demo` keeps running for the canary step. */
export interface CanarySetup {
  prometheusURL: string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus and the simulated traffic and creates the canary-web Application; undefined when skipped
 * (the reason printed). The caller stops what it returns.
 */
export async function setUpCanaryApp(options: {
  objects: ObjectsApi;
  layout: DemoLayout;
  repoURL: string;
  print: Print;
}): Promise<CanarySetup | undefined> {
  const { objects, layout, repoURL, print } = options;
  const binary = await stepPrerequisites(
    layout,
    {
      binary: findPrometheusBinary(),
      missing: PROMETHEUS_MISSING,
      appPath: CANARY_DEMO_APP.path,
      manifest: MANIFEST,
    },
    print,
  );
  if (binary === undefined) return undefined;
  const started = Date.now();
  let traffic: SimulatedTraffic | undefined;
  let prometheus: LocalPrometheus | undefined;
  const stop = async (): Promise<void> => {
    await prometheus?.stop();
    await traffic?.stop();
  };
  try {
    traffic = await startSimulatedTraffic(objects, {
      namespace: CANARY_DEMO_APP.namespace,
      target: CANARY_TARGET,
    });
    prometheus = await startLocalPrometheus({
      binary,
      dir: join(layout.dir, 'prometheus'),
      targets: [traffic.target],
    });
    print(
      `${INDENT}Prometheus ${prometheus.url} (Debian's prometheus, loopback) scraping simulated traffic at ${traffic.target}`,
    );
    print(
      `${INDENT}  simulated traffic: KWOK pods run no containers, so the demo makes up ${REQUESTS_PER_SCRAPE} requests a second per version;`,
    );
    print(
      `${INDENT}  a canary answers the 5xx rate its pod template's annotation ${ERROR_RATE_ANNOTATION} names`,
    );
    await objects.apply(canaryApplication(repoURL, prometheus.url));
    print(
      `${INDENT}Application ${CANARY_DEMO_APP.name}: canary ${CANARY_WEIGHTS.join('% → ')}%, analysis every 5 s (success rate ≥ 99%, p99 ≤ 500 ms)`,
    );
    const [row] = await waitForApps(objects, [CANARY_DEMO_APP.name], {
      timeoutMs: 120_000,
      onChange: () => undefined,
    });
    print(
      `${INDENT}${CANARY_DEMO_APP.name} Synced and Healthy at ${row?.revision ?? '?'} (this step: ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return { prometheusURL: prometheus.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// `mooring demo canary`

/** Whether `address` can be the Prometheus the demo runs (http on 127.0.0.1): the only one the step reads. Pure. */
export function isDemoPrometheus(address: string): boolean {
  return /^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(address);
}

/** One version of the example manifest: its image tag and the simulated error rate. Pure. */
export function setVersion(manifest: string, version: string, errorRate: number): string {
  const image = /^(\s*image: registry\.example\.com\/demo\/canary-web:)\S+$/m;
  const rate = new RegExp(`^(\\s*${ERROR_RATE_ANNOTATION.replace(/[./]/g, '\\$&')}: )(['"])[^'"]*\\2$`, 'm');
  if (!image.test(manifest) || !rate.test(manifest))
    throw new MooringError(
      'INVALID_ARGUMENT',
      `${MANIFEST} no longer has the image line and the ${ERROR_RATE_ANNOTATION} annotation the step edits`,
      { hint: 'restore the file (git checkout) or start the demo again with --reset' },
    );
  return manifest.replace(image, `$1${version}`).replace(rate, `$1$2${errorRate}$2`);
}

/** The image tag of the example manifest. Pure. */
export function versionOf(manifest: string): string | undefined {
  return /^\s*image: registry\.example\.com\/demo\/canary-web:(\S+)$/m.exec(manifest)?.[1];
}

/** The bad and the good version after `current` (next two minor versions; 1.0.0 when it is no semver). Pure. */
export function nextVersions(current: string | undefined): { bad: string; good: string } {
  const base = semver.valid(current ?? '') ?? '1.0.0';
  const bad = semver.inc(base, 'minor') ?? '1.1.0';
  return { bad, good: semver.inc(bad, 'minor') ?? '1.2.0' };
}

const ROLLING: readonly string[] = ['Progressing', 'Waiting', 'Promoting'];

/**
 * The lines to print when status.delivery of the rollout of `revision` moves from `before` to `after`:
 * canary started, each step and weight, each change of the metrics' values, the abort or the promotion. Pure.
 */
export function progressLines(
  revision: string,
  before: DeliveryStatus | undefined,
  after: DeliveryStatus | undefined,
): string[] {
  if (after?.revision !== revision) return [];
  const ours = before?.revision === revision ? before : undefined;
  const lines: string[] = [];
  const steps = CANARY_WEIGHTS.length;
  if (ours === undefined && after.phase !== undefined && ROLLING.includes(after.phase))
    lines.push(`canary started: step 1 of ${steps}, ${after.canaryWeight ?? '?'}% of the replicas`);
  else if (
    ours !== undefined &&
    after.phase === 'Progressing' &&
    (ours.step !== after.step || ours.canaryWeight !== after.canaryWeight)
  )
    lines.push(`step ${(after.step ?? 0) + 1} of ${steps}: ${after.canaryWeight ?? '?'}% of the replicas`);
  const metrics = metricsLine(after);
  if (
    metrics !== undefined &&
    metrics !== metricsLine(ours) &&
    after.phase !== undefined &&
    ROLLING.includes(after.phase)
  )
    lines.push(metrics);
  if (after.phase === 'Waiting' && after.message !== ours?.message && after.message?.startsWith('waiting'))
    lines.push(after.message);
  if (after.phase !== ours?.phase) {
    if (after.phase === 'Aborted') lines.push(`abort: ${after.message ?? ''}`);
    if (after.phase === 'Promoting') lines.push('analysis passed at the last step: promoting');
    if (after.phase === 'Succeeded') lines.push(`promoted: ${after.message ?? ''}`);
  }
  return lines;
}

function metricsLine(status: DeliveryStatus | undefined): string | undefined {
  const metrics = status?.metrics ?? [];
  if (metrics.length === 0) return undefined;
  return `analysis: ${metrics
    .map(
      (m) =>
        `${m.name}=${m.value === undefined ? '-' : String(Math.round(m.value * 100) / 100)} ${m.result}${m.message === undefined ? '' : ` (${m.message})`}`,
    )
    .join(', ')}`;
}

export interface CanaryStepResult {
  bad: { version: string; commit: string };
  revert: { commit: string; subject: string };
  good: { version: string; commit: string };
}

/**
 * Runs the step against the demo `mooring demo` keeps running: a bad version (aborted, reverted in Git,
 * synced back), then a good one (promoted). Commits in the demo clone and pushes to its origin.
 */
export async function runCanaryStep(options: {
  objects: ObjectsApi;
  layout: DemoLayout;
  print: Print;
  /** Per rollout (default 3 minutes). */
  timeoutMs?: number;
}): Promise<CanaryStepResult> {
  const { objects, layout, print } = options;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const app = await readApp(objects);
  if (app?.spec.delivery === undefined)
    throw new MooringError('PREREQUISITE_MISSING', `the demo has no ${CANARY_DEMO_APP.name} Application`, {
      hint: `run \`mooring demo\` in another terminal first and leave it running (Debian's prometheus must be installed)`,
    });
  const address = app.spec.delivery.analysis.prometheus.address;
  // The demo's own Prometheus listens on loopback: anything else in the Application is not read from here.
  if (!isDemoPrometheus(address))
    throw new MooringError(
      'UNSAFE_INPUT',
      `${CANARY_DEMO_APP.name} names Prometheus ${address}, not the demo's`,
      {
        hint: 'start `mooring demo` again: it sets the address of the Prometheus it runs',
      },
    );
  const up = await fetch(`${address}/-/ready`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (!up)
    throw new MooringError('PREREQUISITE_MISSING', `the demo's Prometheus (${address}) does not answer`, {
      hint: 'the step needs the demo running: start `mooring demo` in another terminal and leave it running',
    });
  print(
    `Traffic is simulated: KWOK pods run no containers; the demo's endpoint makes up requests per version, and a canary answers the 5xx rate its annotation ${ERROR_RATE_ANNOTATION} names.`,
  );
  await waitIdle(objects, timeoutMs);
  await syncClone(layout.workingDir);
  const manifestPath = join(layout.workingDir, MANIFEST);
  const stableVersion = versionOf(await readFile(manifestPath, 'utf8'));
  const { bad, good } = nextVersions(stableVersion);

  print('');
  print(`1. A bad version: ${bad}, whose canary answers ${BAD_ERROR_RATE}% of requests with 5xx`);
  const badCommit = await commitVersion(
    layout.workingDir,
    manifestPath,
    bad,
    BAD_ERROR_RATE,
    `canary-web: ${bad} (simulated: ${BAD_ERROR_RATE}% of requests fail)`,
  );
  let started = Date.now();
  print(`   pushed ${shortCommit(badCommit)} to main`);
  const printer = progressPrinter(badCommit, started, print);
  await pollUntil(
    async () => {
      const status = printer(await readApp(objects));
      return status?.phase === 'Aborted' ? true : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `the canary of ${shortCommit(badCommit)} to be aborted` },
  );
  const revert = await pollUntil(
    async () => {
      const head = await git(layout.bareDir, ['rev-parse', 'main']);
      if (head === badCommit) return undefined;
      return { commit: head, subject: await git(layout.bareDir, ['log', '-1', '--format=%s', head]) };
    },
    { timeoutMs, intervalMs: 250, what: 'the revert commit in the demo repository' },
  );
  print(`   revert commit ${shortCommit(revert.commit)} in Git: ${revert.subject} (${since(started)})`);
  await pollUntil(
    async () => {
      const now = await readApp(objects);
      const synced =
        now?.status?.sync?.status === 'Synced' &&
        now.status.sync.revision === revert.commit &&
        now.status.health?.status === 'Healthy';
      return synced ? true : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `${CANARY_DEMO_APP.name} synced at the revert` },
  );
  print(
    `   synced back: ${CANARY_DEMO_APP.name} Synced at ${shortCommit(revert.commit)}, Deployment ${CANARY_DEMO_APP.namespace}/${CANARY_TARGET} runs ${stableVersion ?? '?'} (${since(started)})`,
  );

  print('');
  print(`2. A good version: ${good}`);
  await syncClone(layout.workingDir);
  const goodCommit = await commitVersion(layout.workingDir, manifestPath, good, 0, `canary-web: ${good}`);
  started = Date.now();
  print(`   pushed ${shortCommit(goodCommit)} to main`);
  const goodPrinter = progressPrinter(goodCommit, started, print);
  const done = await pollUntil(
    async () => {
      const status = goodPrinter(await readApp(objects));
      return status?.phase === 'Succeeded' || status?.phase === 'Aborted' ? status : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `the canary of ${shortCommit(goodCommit)} to be promoted` },
  );
  if (done.phase !== 'Succeeded')
    throw new MooringError('PROCESS_FAILED', `the good version was not promoted: ${done.message ?? ''}`, {
      hint: 'the controller log (printed by `mooring demo`) says why',
    });
  print(
    `   Deployment ${CANARY_DEMO_APP.namespace}/${CANARY_TARGET} runs ${good}; Git says so too (${since(started)})`,
  );
  print('');
  print(
    `In the clone: git pull (the revert commit is Mooring's); \`mooring history ${CANARY_DEMO_APP.name}\` lists the abort with the failed metrics.`,
  );
  return {
    bad: { version: bad, commit: badCommit },
    revert,
    good: { version: good, commit: goodCommit },
  };
}

const since = (start: number): string => `${((Date.now() - start) / 1000).toFixed(1)} s after the push`;

/** Prints the progress of the rollout of `revision` from each reading of the app; returns its status.delivery. */
function progressPrinter(
  revision: string,
  started: number,
  print: Print,
): (app: Application | undefined) => DeliveryStatus | undefined {
  let previous: DeliveryStatus | undefined;
  return (app) => {
    const current = app?.status?.delivery;
    for (const line of progressLines(revision, previous, current))
      print(`   ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (current?.revision === revision) previous = current;
    return current?.revision === revision ? current : undefined;
  };
}

async function readApp(objects: ObjectsApi): Promise<Application | undefined> {
  return (await objects.get(MOORING_API_VERSION, {
    group: 'mooring.dev',
    kind: 'Application',
    namespace: DEMO_NAMESPACE,
    name: CANARY_DEMO_APP.name,
  })) as Application | undefined;
}

/** Waits until the app is Synced and Healthy with no rollout under way (a step run twice in a row waits). */
async function waitIdle(objects: ObjectsApi, timeoutMs: number): Promise<void> {
  await pollUntil(
    async (note) => {
      const app = await readApp(objects);
      const phase = app?.status?.delivery?.phase;
      note(
        `sync ${app?.status?.sync?.status ?? '?'}, health ${app?.status?.health?.status ?? '?'}, rollout ${phase ?? 'none'}`,
      );
      const idle =
        app?.status?.sync?.status === 'Synced' &&
        app.status.health?.status === 'Healthy' &&
        (phase === undefined || !ROLLING.includes(phase));
      return idle ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: 250,
      what: `${CANARY_DEMO_APP.name} Synced and Healthy with no rollout under way`,
    },
  );
}

/** Brings the clone's main up to origin (fast-forward only), refusing local edits of the app's folder. */
async function syncClone(dir: string): Promise<void> {
  const dirty = await git(dir, ['status', '--porcelain', '--', CANARY_DEMO_APP.path]);
  if (dirty !== '')
    throw new MooringError('INVALID_ARGUMENT', `${CANARY_DEMO_APP.path}/ has uncommitted changes in ${dir}`, {
      hint: 'commit and push them, or git checkout the folder, then run the step again',
    });
  try {
    await git(dir, ['pull', '--quiet', '--ff-only', 'origin', 'main']);
  } catch (error) {
    throw new MooringError('SOURCE_FAILED', `the demo clone ${dir} cannot fast-forward to origin/main`, {
      hint: 'push or drop your local commits there (or start the demo again with --reset)',
      cause: error,
    });
  }
}

async function commitVersion(
  dir: string,
  file: string,
  version: string,
  errorRate: number,
  message: string,
): Promise<string> {
  await writeFile(file, setVersion(await readFile(file, 'utf8'), version, errorRate));
  await git(dir, ['commit', '--quiet', '-m', message, '--', MANIFEST]);
  await git(dir, ['push', '--quiet', 'origin', 'HEAD:main']);
  return git(dir, ['rev-parse', 'HEAD']);
}
