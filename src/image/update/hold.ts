/**
 * Rollback holds: while `mooring rollback` holds an Application, image automation does not bump the images
 * it deploys — the complaint this answers is an automated bump re-applied over a manual rollback. Pure.
 *
 * An Application deploying from the automation's repository and branch is held when
 * - it is pinned (status.sync.pinnedRevision: the rollback could not push a revert), or
 * - `mooring rollback` was asked for it (its annotation) and no `mooring unpin` came after (the annotations'
 *   times say which came last) — from the request on, so no run slips in before the revert lands.
 * Held are the files under the app's path; `mooring unpin APP` releases them.
 */
import type { Application } from '../../app/model.js';
import { ROLLBACK_ANNOTATION, UNPIN_ANNOTATION } from '../../app/protocol.js';
import { shortCommit } from '../../core/short-commit.js';

/** One held Application: the folder it deploys from and why it is held. */
export interface RollbackHold {
  /** `namespace/name` */
  app: string;
  /** The app's folder in the repository ('' = the whole repository). */
  path: string;
  reason: string;
}

/** The Applications of `apps` that a rollback holds, among those deploying from `url` at `branch`. */
export function rollbackHolds(
  source: { url: string; branch: string },
  apps: readonly Application[],
): RollbackHold[] {
  const holds: RollbackHold[] = [];
  for (const app of apps) {
    if (sameRepository(app.spec.source.repoURL, source.url) && app.spec.source.ref.branch === source.branch) {
      const why = holdReason(app);
      if (why !== undefined) {
        const name = `${app.metadata.namespace}/${app.metadata.name}`;
        holds.push({
          app: name,
          path: folderOf(app.spec.source.path),
          reason: `held by rollback of app ${name} (${why})`,
        });
      }
    }
  }
  return holds.sort((a, b) => a.app.localeCompare(b.app));
}

function holdReason(app: Application): string | undefined {
  const pinned = app.status?.sync?.pinnedRevision;
  if (pinned !== undefined && pinned !== '') return `pinned to ${shortCommit(pinned)}`;
  const annotations = app.metadata.annotations ?? {};
  const rollback = annotations[ROLLBACK_ANNOTATION];
  if (rollback === undefined) return undefined;
  const at = rollback.lastIndexOf('@');
  const requestedAt = Date.parse(rollback.slice(at + 1));
  const unpin = annotations[UNPIN_ANNOTATION];
  const unpinnedAt = unpin === undefined ? Number.NaN : Date.parse(unpin);
  // Held from the request on (before the revert lands, so no run slips in between) until a later unpin;
  // a request without a readable time is held too: releasing it takes a `mooring unpin`.
  if (!Number.isNaN(unpinnedAt) && (Number.isNaN(requestedAt) || unpinnedAt >= requestedAt)) return undefined;
  const rolledBack = app.status?.rolledBackRevision;
  return rolledBack === undefined || rolledBack === ''
    ? `rollback to ${at < 0 ? rollback : rollback.slice(0, at)} requested`
    : `reverted from ${shortCommit(rolledBack)}`;
}

/** The app's folder as a repository path: './apps/web/' -> 'apps/web', '.' -> ''. */
function folderOf(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** The hold that covers `file` (a path in the repository), if any. */
export function holdOf(file: string, holds: readonly RollbackHold[]): RollbackHold | undefined {
  return holds.find((hold) => hold.path === '' || file === hold.path || file.startsWith(`${hold.path}/`));
}

/** Whether two repository URLs name the same repository: case of the host, a trailing `.git` or `/` aside. */
export function sameRepository(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}

function normalise(url: string): string {
  const trimmed = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(trimmed);
  if (scheme === null) return trimmed;
  return `${(scheme[1] ?? '').toLowerCase()}${(scheme[2] ?? '').toLowerCase()}${scheme[3] ?? ''}`;
}
