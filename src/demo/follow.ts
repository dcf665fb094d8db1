import { shortCommit } from '../core/short-commit.js';
import { errorMessage } from '../core/errors.js';
import { MOORING_API_VERSION } from '../app/model.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { AppRow } from './app-rows.js';
import { DEMO_NAMESPACE } from './apps.js';
import { readRows } from './wait-apps.js';

/** The fields of a SyncRecord the activity feed shows. */
interface RecordSpec {
  application?: string;
  trigger?: string;
  revision?: string;
  startedAt?: string;
  result?: string;
  message?: string;
}

/** One feed line for a sync record: when, which app, why it ran, what it did. Pure. */
export function recordLine(spec: RecordSpec): string {
  const time = (spec.startedAt ?? '').slice(11, 19);
  const message = (spec.message ?? '').replace(/\s+/g, ' ');
  return `${time}  ${(spec.application ?? '?').padEnd(14)} ${(spec.trigger ?? '').padEnd(8)} ${shortCommit(spec.revision ?? '')}  ${spec.result ?? ''}: ${message.length > 100 ? `${message.slice(0, 99)}…` : message}`;
}

/**
 * Polls every 2 s and prints each new sync (SyncRecord: a push, a drift taken back) and each change of
 * an app's sync or health status, until the returned timer is cleared.
 */
export function followActivity(
  objects: ObjectsApi,
  names: readonly string[],
  initial: readonly AppRow[],
  print: (line: string) => void,
): NodeJS.Timeout {
  const since = new Date().toISOString();
  const seen = new Set<string>();
  const previous = new Map(initial.map((row) => [row.name, row]));
  let busy = false;
  const poll = async (): Promise<void> => {
    const records = await objects.list(MOORING_API_VERSION, 'SyncRecord', { namespace: DEMO_NAMESPACE });
    const fresh = records
      .map((r) => ({ name: r.metadata.name, spec: r.spec as RecordSpec }))
      .filter((r) => !seen.has(r.name) && (r.spec.startedAt ?? '') >= since)
      .sort((a, b) => (a.spec.startedAt ?? '').localeCompare(b.spec.startedAt ?? ''));
    for (const record of fresh) {
      seen.add(record.name);
      print(recordLine(record.spec));
    }
    for (const row of await readRows(objects, names)) {
      const before = previous.get(row.name);
      if (before !== undefined && (before.sync !== row.sync || before.health !== row.health)) {
        print(
          `${new Date().toTimeString().slice(0, 8)}  ${row.name.padEnd(14)} now ${row.sync}, ${row.health} ${row.message}`.trimEnd(),
        );
      }
      previous.set(row.name, row);
    }
  };
  return setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .catch((error: unknown) => {
        print(`reading the demo's status failed: ${errorMessage(error)}`);
      })
      .finally(() => {
        busy = false;
      });
  }, 2_000);
}
