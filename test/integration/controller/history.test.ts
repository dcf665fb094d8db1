import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster } from '../../helpers/kube.js';
import type { ControllerHarness } from './harness.js';
import { configMap, controllerHarness, readyAt } from './harness.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

async function mooring(h: ControllerHarness, args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [cli, ...args, '-n', h.appNamespace, '--kubeconfig', testCluster().kubeconfigPath],
    { timeout: 30_000 },
  );
  return stdout;
}

interface HistoryEntry {
  name: string;
  trigger: string;
  revision: string;
  result: string;
}

describe('controller: sync history', () => {
  it('keeps historyLimit SyncRecords, the newest, and mooring history lists them newest first', async (t) => {
    const h = await controllerHarness(t);
    const name = h.uniqueName('history');
    const blue = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    await h.createApp(name, { historyLimit: 2 });
    await h.waitForApp(name, 'synced at blue', readyAt(blue));
    const green = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'green' })] });
    await h.waitForApp(name, 'synced at green', readyAt(green));
    const red = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'red' })] });
    await h.waitForApp(name, 'synced at red', readyAt(red));

    // Retention runs right after the newest record is written: wait for the record of red, then count.
    const records = await h.waitFor('the record of red, and the oldest gone', async () => {
      const found = await h.syncRecords(name);
      const revisions = found.map((r) => (r.spec as { revision?: string }).revision);
      return revisions.includes(red) && found.length === 2 ? revisions : undefined;
    });
    assert.deepEqual(new Set(records), new Set([red, green]), 'the oldest (blue) is the one deleted');

    const listed = JSON.parse(await mooring(h, ['history', name, '-o', 'json'])) as HistoryEntry[];
    assert.deepEqual(
      listed.map((e) => [e.revision, e.trigger, e.result]),
      [
        [red, 'poll', 'Succeeded'],
        [green, 'poll', 'Succeeded'],
      ],
    );
    const text = (await mooring(h, ['history', name])).trimEnd().split('\n');
    assert.match(text[0] ?? '', /^STARTED\s+TRIGGER\s+REVISION\s+RESULT\s+MESSAGE/);
    assert.equal(text.length, 3, text.join('\n'));
    assert.ok(text[1]?.includes(red.slice(0, 12)), text.join('\n'));
    assert.ok(text[2]?.includes(green.slice(0, 12)), text.join('\n'));
    assert.ok(text.every((line) => !line.includes(blue.slice(0, 12))));
  });
});
