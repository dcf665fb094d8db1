/**
 * What one run of an ImageUpdateAutomation did, as data for the sinks outside the image path
 * (notifications): the images before → after, the commit and where it went (branch or pull request), the
 * Applications that deploy the changed files (same repository, branch and folder), and the Applications a
 * rollback holds with the images held back from them. Every Application deploying from the automation's
 * repository and branch is listed in `covered`, so a consumer sees a hold end as well as begin. Pure.
 */
import type { Application } from '../../app/model.js';
import { displayURL } from '../../source/validate.js';
import type { ImageUpdateAutomation } from '../../crd/imageupdateautomation.js';
import type { AutomationOutcome } from './automation.js';
import { sameRepository } from './hold.js';
import type { FileChange } from './message.js';

/** An image value before → after, and the file it is in. */
export interface ReportedImage {
  /** The file in the repository. */
  path: string;
  before: string;
  after: string;
  /** `namespace/name` of the ImagePolicy that chose it. */
  policy: string;
}

/** An Application of the automation's repository and branch, as notifications select it. */
export interface ReportedApp {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  repoURL: string;
}

/** One Application and what the run did to the files it deploys. */
export interface ImageReportEntry {
  app: ReportedApp;
  images: ReportedImage[];
}

/** One held Application, why, and what was held back from it. */
export interface HeldEntry extends ImageReportEntry {
  /** "held by rollback of app X (...)" */
  reason: string;
}

/** The report of one automation run. */
export interface ImageUpdateReport {
  /** `namespace/name` of the ImageUpdateAutomation. */
  automation: string;
  outcome: AutomationOutcome['kind'];
  /** The repository, without credentials. */
  repository: string;
  /** The branch the automation reads (and Applications deploy from). */
  branch: string;
  /** Set when the run pushed: the commit and the branch it went to. */
  commit?: string;
  pushedTo?: string;
  pullRequest?: { url: string; number: number };
  /** Every distinct image change of the commit. */
  images: ReportedImage[];
  /** The Applications deploying changed files (only when the run pushed to their branch or opened a PR). */
  updated: ImageReportEntry[];
  held: HeldEntry[];
  /** Every Application deploying from the repository and branch (held or not): "not held any more". */
  covered: ReportedApp[];
}

/** At most this many images listed per app or report (the commit message has them all). */
const MAX_IMAGES = 20;

/** The report of `outcome`, the run of `automation`, given the Applications the controller knows. Pure. */
export function imageUpdateReport(
  automation: ImageUpdateAutomation,
  outcome: AutomationOutcome,
  applications: readonly Application[],
): ImageUpdateReport {
  const source = automation.spec.sourceRef;
  const covered = applications.filter(
    (app) =>
      sameRepository(app.spec.source.repoURL, source.url) && app.spec.source.ref.branch === source.branch,
  );
  const base: ImageUpdateReport = {
    automation: `${automation.metadata.namespace}/${automation.metadata.name}`,
    outcome: outcome.kind,
    repository: displayURL(source.url),
    branch: source.branch,
    images: [],
    updated: [],
    held: [],
    covered: covered.map(reportedApp),
  };
  if (outcome.kind !== 'pushed' && outcome.kind !== 'unchanged') return base;
  const heldChanges = outcome.heldChanges ?? [];
  const held: HeldEntry[] = [];
  for (const hold of outcome.held) {
    const app = covered.find((a) => `${a.metadata.namespace}/${a.metadata.name}` === hold.app);
    if (app === undefined) continue;
    held.push({
      app: reportedApp(app),
      reason: hold.reason,
      images: imagesOf(heldChanges.filter((c) => inFolder(c.path, hold.path))),
    });
  }
  if (outcome.kind === 'unchanged') return { ...base, held };
  const heldApps = new Set(held.map((entry) => `${entry.app.namespace}/${entry.app.name}`));
  const updated: ImageReportEntry[] = [];
  for (const app of covered) {
    if (heldApps.has(`${app.metadata.namespace}/${app.metadata.name}`)) continue;
    const folder = folderOf(app.spec.source.path);
    const images = imagesOf(outcome.changes.filter((c) => inFolder(c.path, folder)));
    if (images.length > 0) updated.push({ app: reportedApp(app), images });
  }
  return {
    ...base,
    commit: outcome.commit,
    pushedTo: outcome.branch,
    ...(outcome.pullRequest === undefined
      ? {}
      : { pullRequest: { url: outcome.pullRequest.url, number: outcome.pullRequest.number } }),
    images: imagesOf(outcome.changes),
    updated,
    held,
  };
}

function reportedApp(app: Application): ReportedApp {
  return {
    namespace: app.metadata.namespace,
    name: app.metadata.name,
    labels: app.metadata.labels ?? {},
    repoURL: displayURL(app.spec.source.repoURL),
  };
}

/** One entry per file and image change (a file naming an image twice is one change), sorted. */
function imagesOf(changes: readonly FileChange[]): ReportedImage[] {
  const seen = new Map<string, ReportedImage>();
  for (const c of changes) {
    const image = { path: c.path, before: c.before, after: c.after, policy: c.policy };
    seen.set(`${c.path}\n${c.before}\n${c.after}`, image);
  }
  return [...seen.values()]
    .sort((a, b) => a.path.localeCompare(b.path) || a.after.localeCompare(b.after))
    .slice(0, MAX_IMAGES);
}

/** The app's folder as a repository path: './apps/web/' -> 'apps/web', '.' -> ''. */
function folderOf(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

function inFolder(file: string, folder: string): boolean {
  return folder === '' || file === folder || file.startsWith(`${folder}/`);
}
