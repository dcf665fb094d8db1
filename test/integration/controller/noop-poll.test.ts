import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { requireRenderHelper } from '../../../src/devcluster/render-helper.js';
import { configMap, controllerHarness, deployment, readyAt } from './harness.js';

/** The render helper behind a wrapper that notes each run (one process per render) in a file. */
async function countingRenderHelper(t: { after: (fn: () => Promise<void>) => void }): Promise<{
  binary: string;
  renders: () => Promise<number>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'mooring-render-count-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'renders');
  await writeFile(log, '');
  const binary = join(dir, 'mooring-render');
  await writeFile(binary, `#!/bin/sh\necho render >> '${log}'\nexec '${requireRenderHelper()}' "$@"\n`);
  await chmod(binary, 0o755);
  return {
    binary,
    renders: async () => (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '').length,
  };
}

describe('controller: a poll that finds nothing new', () => {
  it('does no render, no dry-run and no write (objects, status, records or events) while Git and the cluster are unchanged', async (t) => {
    const helper = await countingRenderHelper(t);
    const h = await controllerHarness(t, { renderHelper: helper.binary });
    // Kustomize, so that every render is a run of the render helper, which the wrapper counts.
    const sha = await h.publish({
      'app.yaml': [configMap('settings', { color: 'blue' }), deployment('web', 1)],
      'kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n',
    });
    const name = h.uniqueName('noop');
    await h.createApp(name, { interval: '1s' });
    await h.waitForApp(name, 'Ready', readyAt(sha));
    // Health settles after the sync (the Deployment's pods start): wait for status to stop changing first.
    let lastVersion = '';
    await h.waitFor('status to settle', async () => {
      const app = await h.getApp(name);
      const version = typeof app.metadata.resourceVersion === 'string' ? app.metadata.resourceVersion : '';
      const settled = version === lastVersion && app.status?.health?.status === 'Healthy';
      lastVersion = version;
      return settled ? true : undefined;
    });
    const stats = h.controllerRequests();
    assert.ok(stats !== undefined);
    const before = { ...stats.snapshot() };
    const writesBefore = stats.writes;
    const appBefore = await h.getApp(name);
    const recordsBefore = (await h.syncRecords(name)).length;
    const eventsBefore = (await h.events(name)).length;
    const rendersBefore = await helper.renders();
    assert.ok(rendersBefore >= 1, 'the first sync ran the render helper');

    // Liveness: the app polls every second, and each poll asks the Git server; wait for three more polls.
    const fetchesBefore = h.git.requestCount();
    await h.waitFor('three polls', async () =>
      h.git.requestCount() >= fetchesBefore + 3 ? true : undefined,
    );

    const after = stats.snapshot();
    t.diagnostic(`API requests during the polls: ${JSON.stringify(delta(before, after))}`);
    assert.equal(await helper.renders(), rendersBefore, 'no render');
    assert.equal(after.dryRun ?? 0, before.dryRun ?? 0, 'no dry-run');
    assert.equal(stats.writes, writesBefore, `no write: ${JSON.stringify(delta(before, after))}`);
    const appAfter = await h.getApp(name);
    assert.equal(appAfter.metadata.resourceVersion, appBefore.metadata.resourceVersion, 'status untouched');
    assert.equal((await h.syncRecords(name)).length, recordsBefore, 'no SyncRecord');
    assert.equal((await h.events(name)).length, eventsBefore, 'no Event');
  });
});

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [verb, n] of Object.entries(after))
    if (n !== (before[verb] ?? 0)) out[verb] = n - (before[verb] ?? 0);
  return out;
}
