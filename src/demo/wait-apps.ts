import { MooringError } from '../core/errors.js';
import { sleep } from '../core/wait.js';
import type { ApplicationManifest as Application } from '../app/model.js';
import { MOORING_API_VERSION } from '../app/model.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { AppRow } from './app-rows.js';
import { appRow, formatAppTable, isReady, sameRow } from './app-rows.js';
import { DEMO_NAMESPACE } from './apps.js';

export interface WaitForAppsOptions {
  timeoutMs: number;
  /** Called when an app's sync, health, revision or message changes. */
  onChange: (row: AppRow) => void;
  intervalMs?: number;
}

/** Reads the demo Applications until every one of `names` is Synced and Healthy; returns their rows. */
export async function waitForApps(
  objects: ObjectsApi,
  names: readonly string[],
  options: WaitForAppsOptions,
): Promise<AppRow[]> {
  const deadline = Date.now() + options.timeoutMs;
  const previous = new Map<string, AppRow>();
  for (;;) {
    const rows = await readRows(objects, names);
    for (const row of rows) {
      if (!sameRow(previous.get(row.name), row)) options.onChange(row);
      previous.set(row.name, row);
    }
    if (rows.every(isReady)) return rows;
    if (Date.now() >= deadline) {
      throw new MooringError(
        'TIMEOUT',
        `not every demo app became Synced and Healthy within ${Math.round(options.timeoutMs / 1000)} s:\n${formatAppTable(rows.filter((r) => !isReady(r)))}`,
        {
          hint: 'the controller log says why (its path is printed above); `mooring status APP` shows each object',
        },
      );
    }
    await sleep(options.intervalMs ?? 500);
  }
}

/** The current row of each named Application, in the order given. */
export async function readRows(objects: ObjectsApi, names: readonly string[]): Promise<AppRow[]> {
  const apps = (await objects.list(MOORING_API_VERSION, 'Application', {
    namespace: DEMO_NAMESPACE,
  })) as Application[];
  const byName = new Map(apps.map((app) => [app.metadata.name, app]));
  return names.map((name) => appRow(name, byName.get(name)));
}
