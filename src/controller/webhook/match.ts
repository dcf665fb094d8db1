/** Which Applications a push concerns. Pure. */
import { repoMatchKey } from './repo-url.js';
import type { PushEvent, WebhookApp } from './types.js';

/**
 * The keys of the apps `event` concerns, in the order given:
 * - the app's repoURL names one of the event's repositories (see repo-url.ts);
 * - a branch app follows the pushed branch; tag and semver apps follow any tag push (a new or
 *   moved tag may change what they resolve to); commit apps never move, so never refresh;
 * - for a branch push whose changed files are known, one of them lies inside the app's path or
 *   one of its extraPaths (whole path segments: 'apps/web' covers 'apps/web/x', not
 *   'apps/webshop/x'). Unknown changed files refresh every app that passes the other tests.
 */
export function appsToRefresh(event: PushEvent, apps: readonly WebhookApp[]): string[] {
  const repoKeys = new Set(event.repoURLs.map(repoMatchKey));
  return apps
    .filter(
      (app) => repoKeys.has(repoMatchKey(app.repoURL)) && followsRef(event, app) && touchesApp(event, app),
    )
    .map((app) => app.key);
}

function followsRef(event: PushEvent, app: WebhookApp): boolean {
  const ref = app.ref;
  if ('branch' in ref) return event.branch === ref.branch;
  if ('tag' in ref || 'semver' in ref) return event.tag !== undefined;
  return false;
}

function touchesApp(event: PushEvent, app: WebhookApp): boolean {
  if (event.changedPaths === undefined || event.branch === undefined) return true;
  const watched = [app.path, ...(app.extraPaths ?? [])].map(normalizeAppPath);
  return event.changedPaths.some((changed) =>
    watched.some((folder) => isWithin(normalizeAppPath(changed), folder)),
  );
}

/** 'apps/web/', './apps/web', '/apps/web' => 'apps/web'; '', '.', './' and '/' => '' (the root). */
export function normalizeAppPath(path: string): string {
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments.join('/');
}

/** True when `path` is `folder` or lies under it, comparing whole segments ('' is the root). */
export function isWithin(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}
