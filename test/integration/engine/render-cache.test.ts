import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { syncApplication } from '../../../src/engine/sync.js';
import type { SyncRequest } from '../../../src/engine/types.js';
import { RenderCache } from '../../../src/render/cache.js';
import { renderTools } from '../../../src/devcluster/render-helper.js';
import { configMap, engineHarness } from './harness.js';

describe('sync engine: render cache', () => {
  it('renders a tree once: the same tree hash and options reuse the render without running a tool', async (t) => {
    const h = await engineHarness(t, 'render-cache');
    await h.write('kustomization.yaml', 'resources: [settings.yaml]\n');
    await h.write('settings.yaml', configMap('cached', { color: 'blue' }));
    const cache = new RenderCache(10);
    const request = (treeHash: string): SyncRequest => ({
      appName: h.appName,
      source: { root: h.root, path: 'app', rootTreeHash: treeHash },
      renderOptions: {},
      namespace: h.namespace,
      createNamespace: false,
      prune: false,
      pruneThreshold: 0.5,
      allowMassPrune: false,
      dryRun: false,
      wait: false,
      timeoutMs: 20_000,
      concurrency: 4,
    });
    const realTools = renderTools();
    const first = await syncApplication(
      { objects: h.engine, tools: realTools, renderCache: cache },
      request('tree-1'),
    );
    assert.equal(first.error, undefined);
    assert.equal(cache.size, 1);

    // A render helper that cannot run proves the second sync never called it.
    const brokenTools = { ...realTools, renderHelper: '/nonexistent/mooring-render' };
    const second = await syncApplication(
      { objects: h.engine, tools: brokenTools, renderCache: cache },
      request('tree-1'),
    );
    assert.equal(second.error, undefined, second.error?.message);
    assert.deepEqual(
      second.outcomes.map((o) => o.action),
      ['unchanged'],
    );

    const changedTree = await syncApplication(
      { objects: h.engine, tools: brokenTools, renderCache: cache },
      request('tree-2'),
    );
    assert.equal(changedTree.error?.step, 'render', 'a new tree hash renders again');
  });
});
