import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TreeNode } from '../../../src/api/tree.js';
import { eventUntil, readEvents } from '../../helpers/sse.js';
import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { serviceAccountToken } from './detail-harness.js';
import { servedController } from './served-controller.js';

describe('mooring controller serves the detail routes', () => {
  it('tree, OpenAPI entries and the app stream on its one port', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const name = h.uniqueName('served');
    const first = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    // Polled hourly: only the refresh below makes it look at Git again within the test.
    await h.createApp(name, { interval: '1h' });
    const base = await servedController(t, h);
    await h.waitForApp(name, 'Ready at the first commit', readyAt(first), 30_000);
    const token = await serviceAccountToken(h.appNamespace, 'operator', ['get', 'list', 'patch']);
    const headers = { authorization: `Bearer ${token}` };

    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of ['tree', 'diff', 'stream'])
      assert.ok(`/api/v1/applications/{namespace}/{name}/${path}` in doc.paths, path);
    assert.ok('/api/v1/stream/applications' in doc.paths);

    const tree = (await (
      await fetch(`${base}/api/v1/applications/${h.appNamespace}/${name}/tree`, { headers })
    ).json()) as { nodes: TreeNode[] };
    assert.deepEqual(
      tree.nodes.map((n) => `${n.kind}/${n.name}:${n.sync ?? ''}:${n.health}`),
      ['ConfigMap/settings:Synced:Healthy'],
    );

    const abort = new AbortController();
    t.after(() => {
      abort.abort();
    });
    const stream = await fetch(`${base}/api/v1/applications/${h.appNamespace}/${name}/stream`, {
      headers,
      signal: abort.signal,
    });
    assert.equal(stream.status, 200);
    const events = readEvents(stream.body as ReadableStream<Uint8Array>);
    const second = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'green' })] });
    const refresh = await fetch(`${base}/api/v1/applications/${h.appNamespace}/${name}/refresh`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refresh.status, 202);
    const { found, before } = await eventUntil(
      events,
      (e) =>
        e.event === 'record' && (JSON.parse(e.data ?? '{}') as { revision?: string }).revision === second,
    );
    assert.match(found.id ?? '', /^[0-9a-z]+-\d+$/);
    // The audit Event of the refresh (written before the controller acts on it) came through the stream too.
    const audit = await h.waitFor('the RefreshRequested event in the stream', async () => {
      const seen = before.find((e) => e.event === 'event' && (e.data ?? '').includes('RefreshRequested'));
      if (seen !== undefined) return seen;
      const next = await eventUntil(events, (e) => e.event === 'event');
      before.push(next.found);
      return undefined;
    });
    assert.match(audit.data ?? '', /refresh requested by system:serviceaccount:/);
    abort.abort();
  });
});
