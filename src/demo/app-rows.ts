/** One line per demo Application: what a person watching the demo needs to see. Pure. */
import { shortCommit } from '../core/short-commit.js';
import type { ApplicationManifest as Application } from '../app/model.js';

/** Messages are cut to this length: one line per app in a terminal. */
const MESSAGE_LIMIT = 100;

export interface AppRow {
  name: string;
  sync: string;
  health: string;
  /** Short commit, or '' before the first sync. */
  revision: string;
  /** Why it is not ready yet, when it is not. */
  message: string;
}

/**
 * The row of an Application. Status written for an older generation (a previous demo run with another
 * Git server address) does not count: the app shows as Unknown until the controller has caught up.
 */
export function appRow(name: string, app: Application | undefined): AppRow {
  const status = app?.status;
  const current =
    status !== undefined &&
    (status.observedGeneration === undefined || status.observedGeneration === app?.metadata.generation);
  if (app === undefined || !current) {
    return {
      name,
      sync: 'Unknown',
      health: 'Unknown',
      revision: '',
      message: app === undefined ? 'not created' : 'waiting for the controller',
    };
  }
  const sync = status.sync?.status ?? 'Unknown';
  const health = status.health?.status ?? 'Unknown';
  const revision =
    status.sync?.shortRevision ??
    (status.sync?.revision === undefined ? undefined : shortCommit(status.sync.revision)) ??
    '';
  const ready = sync === 'Synced' && health === 'Healthy';
  // Once synced, the health message says what is still awaited; before, the summary says what failed.
  const why =
    sync === 'Synced'
      ? (status.health?.message ?? status.summary)
      : (status.summary ?? status.health?.message);
  return { name, sync, health, revision, message: ready ? '' : clip(why ?? '', MESSAGE_LIMIT) };
}

/** Synced and Healthy. */
export function isReady(row: AppRow): boolean {
  return row.sync === 'Synced' && row.health === 'Healthy';
}

/** Whether two readings of an app show the same thing (then no progress line is printed). */
export function sameRow(a: AppRow | undefined, b: AppRow): boolean {
  return a?.sync === b.sync && a.health === b.health && a.revision === b.revision && a.message === b.message;
}

/** A plain-text table of rows, columns aligned, with a header. */
export function formatAppTable(rows: readonly AppRow[], indent = '  '): string {
  const cells = [
    ['APP', 'SYNC', 'HEALTH', 'REVISION', 'MESSAGE'],
    ...rows.map((r) => [r.name, r.sync, r.health, r.revision === '' ? '-' : r.revision, r.message]),
  ];
  const widths = (cells[0] ?? []).map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return (
    cells
      .map(
        (row) =>
          indent +
          row
            .map((cell, i) => cell.padEnd(i === row.length - 1 ? 0 : (widths[i] ?? 0)))
            .join('  ')
            .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function clip(text: string, limit: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= limit ? line : `${line.slice(0, limit - 1)}…`;
}
