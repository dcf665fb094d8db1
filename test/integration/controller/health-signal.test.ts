/**
 * A health change that arrives in the same turn as a drift signal reaches status. The cause of the missed
 * signal (a root app-of-apps stayed Progressing while its child Applications were Ready): one watch event
 * can carry both a drift (someone else's write, e.g. the controller's own finalizer patch on a child
 * Application) and a health change (the child's status). The turn then heals, the heal finds nothing that
 * differs from Git, and before every turn published a report the heal wrote no status: the health signal,
 * consumed by that turn, was lost until the next poll. A custom resource without a status subresource
 * reproduces it: an annotation nobody in Git owns (drift, nothing to correct) and a status, in one write.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { condition, controllerHarness, readyAt } from './harness.js';
import { gaugeKind } from './gauge-kind.js';

describe('controller: health signals', () => {
  it('a health change taken in the same turn as a drift reaches status (degraded, then recovered)', async (t) => {
    const h = await controllerHarness(t);
    const group = await gaugeKind(t, h, { statusSubresource: false });
    const sha = await h.publish({
      'gauge.yaml': [
        { apiVersion: `${group}/v1`, kind: 'Gauge', metadata: { name: 'probe' }, spec: { size: 1 } },
      ],
    });
    const name = h.uniqueName('health-signal');
    // No poll during the test: only the watch's signals can bring the change to status.
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));

    const gaugeRef = { group, kind: 'Gauge', namespace: h.destNamespace, name: 'probe' };
    const edit = (patch: unknown) =>
      h.observer.mergePatch(`${group}/v1`, gaugeRef, patch, { fieldManager: 'test-editor' });
    const readyCondition = (ready: 'True' | 'False') => ({
      conditions: [
        {
          type: 'Ready',
          status: ready,
          reason: ready === 'True' ? 'Succeeded' : 'ReconciliationFailed',
          message: ready === 'True' ? 'fine' : 'sensor broken',
        },
      ],
    });
    // Two writes back to back, as a child Application gets its finalizer and then its status: the first
    // (an annotation: drift, nothing to correct) starts a heal turn; the second (annotation and status:
    // drift and health) lands while that turn runs, so the next turn takes a drift and a health change
    // together. That turn heals, finds nothing that differs from Git, and must still write the health.
    const twoWrites = async (ready: 'True' | 'False', round: number): Promise<void> => {
      await edit({ metadata: { annotations: { 'example.com/round': `${round}a` } } });
      await edit({
        metadata: { annotations: { 'example.com/round': `${round}b` } },
        status: readyCondition(ready),
      });
    };

    for (let round = 1; round <= 3; round++) {
      await twoWrites('False', round);
      const degraded = await h.waitForApp(
        name,
        `round ${round}: health Degraded`,
        (app) => app.status?.health?.status === 'Degraded',
      );
      assert.match(degraded.status?.health?.message ?? '', /Gauge\/.*probe.*sensor broken/);
      assert.equal(
        degraded.status?.sync?.status,
        'Synced',
        'annotations nobody in Git owns: nothing to correct',
      );
      await twoWrites('True', round);
      await h.waitForApp(
        name,
        `round ${round}: Healthy again`,
        (app) => app.status?.health?.status === 'Healthy',
      );
    }
  });

  it('a stalled app keeps Stalled while the health of what is live still reaches status', async (t) => {
    const h = await controllerHarness(t);
    const group = await gaugeKind(t, h, { statusSubresource: false });
    const gauge = {
      apiVersion: `${group}/v1`,
      kind: 'Gauge',
      metadata: { name: 'probe' },
      spec: { size: 1 },
    };
    const good = await h.publish({ 'gauge.yaml': [gauge] });
    const name = h.uniqueName('stalled-health');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(good));
    // A commit the API server rejects as Invalid (a ConfigMap key with spaces): terminal, Stalled until a new commit.
    const bad = await h.publish({
      'gauge.yaml': [
        gauge,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { 'not a key!': 'x' } },
      ],
    });
    await h.patchApp(name, {
      metadata: { annotations: { 'mooring.dev/sync-requested-at': new Date().toISOString() } },
    });
    await h.waitForApp(
      name,
      'Stalled at the rejected commit',
      (app) => app.status?.sync?.revision === bad && condition(app, 'Stalled')?.status === 'True',
    );
    // Only a health signal: the next turn of a stalled app polls, finds the same stalled commit and
    // rebuilds status with the failure that stalled it.
    await h.observer.mergePatch(
      `${group}/v1`,
      { group, kind: 'Gauge', namespace: h.destNamespace, name: 'probe' },
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'ReconciliationFailed', message: 'sensor broken' },
          ],
        },
      },
      { fieldManager: 'test-editor' },
    );
    const degraded = await h.waitForApp(
      name,
      'health Degraded',
      (app) => app.status?.health?.status === 'Degraded',
    );
    assert.equal(condition(degraded, 'Stalled')?.status, 'True', 'a poll never clears Stalled');
    assert.match(condition(degraded, 'Stalled')?.message ?? '', /ConfigMap\/.*bad/);
  });
});
