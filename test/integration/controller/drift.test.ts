import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../../src/core/objects.js';
import { sleep } from '../../../src/core/wait.js';
import type { Watcher } from '../../../src/kube/watch.js';
import { startWatch } from '../../../src/kube/watch.js';
import { configMap, configMapData, controllerHarness, deployment, kubectl, readyAt } from './harness.js';
import type { ControllerHarness } from './harness.js';

interface DriftRecordSpec {
  trigger: string;
  revision: string;
  objects: {
    subject: string;
    action: string;
    drift?: { path: string; changedBy: { manager: string }[] }[];
  }[];
}

/**
 * Watches `name` while `write` runs: the time from the watch delivering the drifted object to it
 * delivering the restored one (both seen through the same watch, so delivery delays cancel out).
 */
async function restoreLatency(
  h: ControllerHarness,
  target: { apiVersion: string; kind: string; name: string },
  write: () => Promise<unknown>,
  isDrifted: (obj: KubeObject) => boolean,
): Promise<number> {
  let driftedAt: number | undefined;
  let watcher: Watcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const restored = new Promise<number>((resolve, reject) => {
    // A safety net against a hang, not a measurement: the latency is reported, not judged.
    timer = setTimeout(() => {
      reject(new Error('not restored within 60 s'));
    }, 60_000);
    const synced = new Promise<void>((onSynced) => {
      watcher = startWatch(h.observer.client, h.observer.discovery, {
        apiVersion: target.apiVersion,
        kind: target.kind,
        namespace: h.destNamespace,
        onEvent: ({ type, object }) => {
          if (type !== 'MODIFIED' || object.metadata.name !== target.name) return;
          if (isDrifted(object)) driftedAt ??= Date.now();
          else if (driftedAt !== undefined) resolve(Date.now() - driftedAt);
        },
        onSynced,
      });
    });
    void synced.then(write);
  });
  try {
    return await restored;
  } finally {
    clearTimeout(timer);
    watcher?.stop();
  }
}

describe('controller: drift', () => {
  it('corrects kubectl scale and kubectl patch at once and records who drifted', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({
      'app.yaml': [deployment('web', 2), configMap('settings', { color: 'blue' })],
    });
    const name = h.uniqueName('heal');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));

    const scaleLatency = await restoreLatency(
      h,
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      () => kubectl(['scale', 'deployment/web', '--replicas=5', '-n', h.destNamespace]),
      (live) => (live.spec as { replicas?: number }).replicas !== 2,
    );
    t.diagnostic(`drift correction latency (kubectl scale): ${scaleLatency} ms`);
    const patchLatency = await restoreLatency(
      h,
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' },
      () =>
        kubectl([
          'patch',
          'configmap/settings',
          '-n',
          h.destNamespace,
          '--type=merge',
          '-p',
          '{"data":{"color":"red"}}',
        ]),
      (live) => (live.data as Record<string, string> | undefined)?.color !== 'blue',
    );
    t.diagnostic(`drift correction latency (kubectl patch): ${patchLatency} ms`);
    // Corrected at all within the test proves the watch did it: the app polls once an hour. The records
    // below say so too (trigger "drift"). The latency itself is measured in bench/controller-latency.

    const records = await h.waitFor('two drift records', async () => {
      const found = (await h.syncRecords(name))
        .map((r) => r.spec as DriftRecordSpec)
        .filter((r) => r.trigger === 'drift');
      return found.length >= 2 ? found : undefined;
    });
    const objects = records.flatMap((r) => r.objects);
    const scaled = objects.find((o) => o.subject === `Deployment/${h.destNamespace}/web`);
    assert.equal(scaled?.action, 'configured');
    assert.ok(
      scaled.drift?.some(
        (d) => d.path.includes('replicas') && d.changedBy.some((c) => c.manager.startsWith('kubectl')),
      ),
      JSON.stringify(scaled.drift),
    );
    const patched = objects.find((o) => o.subject === `ConfigMap/${h.destNamespace}/settings`);
    assert.ok(
      patched?.drift?.some((d) => d.changedBy.some((c) => c.manager.startsWith('kubectl'))),
      JSON.stringify(patched?.drift),
    );
    assert.ok(records.every((r) => r.revision === sha));
    await h.waitForEvent(name, 'DriftCorrected');
    const app = await h.getApp(name);
    assert.equal(app.status?.sync?.status, 'Synced');
  });

  it('in warn mode reports drift in status and an Event and leaves the object alone', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({
      'app.yaml': [configMap('watched', { color: 'blue' }), configMap('probe', { count: '1' })],
    });
    const name = h.uniqueName('warn');
    await h.createApp(name, { interval: '1h', syncPolicy: { driftMode: 'warn' } });
    await h.waitForApp(name, 'Ready', readyAt(sha));

    await kubectl([
      'patch',
      'configmap/watched',
      '-n',
      h.destNamespace,
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);
    const app = await h.waitForApp(name, 'OutOfSync', (a) => a.status?.sync?.status === 'OutOfSync');
    const resource = app.status?.resources?.find((r) => r.name === 'watched');
    assert.equal(resource?.sync, 'OutOfSync');
    assert.match(resource.message ?? '', /data\.color.*changed by kubectl/);
    const events = await h.waitFor('a DriftDetected event', async () => {
      const found = (await h.events(name)).filter((e) => e.reason === 'DriftDetected');
      return found.length > 0 ? found : undefined;
    });
    assert.match(String(events[0]?.message), /watched/);
    // Liveness first: a later drift on a neighbour is reported, so the controller has finished handling the
    // first one (one app is never handled twice at once); a correction would have happened by now.
    await kubectl([
      'patch',
      'configmap/probe',
      '-n',
      h.destNamespace,
      '--type=merge',
      '-p',
      '{"data":{"count":"2"}}',
    ]);
    await h.waitForApp(
      name,
      'the neighbour reported',
      (a) => a.status?.resources?.find((r) => r.name === 'probe')?.sync === 'OutOfSync',
    );
    assert.deepEqual(await configMapData(h, 'watched'), { color: 'red' }, 'warn mode does not correct');
    assert.deepEqual(await configMapData(h, 'probe'), { count: '2' });
    const records = (await h.syncRecords(name)).map((r) => r.spec as DriftRecordSpec);
    assert.ok(
      records.every((r) => r.objects.every((o) => o.action !== 'configured')),
      JSON.stringify(records),
    );
  });

  it('reports, and leaves alone, an object marked mooring.dev/drift: warn inside an app that enforces', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({
      'app.yaml': [
        configMap('reported', { size: 'small' }, { 'mooring.dev/drift': 'warn' }),
        configMap('enforced', { size: 'small' }),
      ],
    });
    const name = h.uniqueName('mixed');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));

    await kubectl([
      'patch',
      'configmap/reported',
      '-n',
      h.destNamespace,
      '--type=merge',
      '-p',
      '{"data":{"size":"large"}}',
    ]);
    await kubectl([
      'patch',
      'configmap/enforced',
      '-n',
      h.destNamespace,
      '--type=merge',
      '-p',
      '{"data":{"size":"large"}}',
    ]);
    // Liveness first: the enforced neighbour is corrected, so both drifts have been handled.
    await h.waitFor('the enforced neighbour corrected', async () =>
      (await configMapData(h, 'enforced'))?.size === 'small' ? true : undefined,
    );
    const app = await h.waitForApp(
      name,
      'the warn object reported',
      (a) => a.status?.resources?.find((r) => r.name === 'reported')?.sync === 'OutOfSync',
    );
    assert.deepEqual(
      await configMapData(h, 'reported'),
      { size: 'large' },
      'the warn object is not corrected',
    );
    const resource = app.status?.resources?.find((r) => r.name === 'reported');
    assert.match(resource?.message ?? '', /data\.size.*changed by kubectl/);
    assert.equal(app.status?.sync?.status, 'OutOfSync');
    const events = await h.waitFor('a DriftDetected event for the warn object', async () => {
      const found = (await h.events(name)).filter(
        (e) => e.reason === 'DriftDetected' && String(e.message).includes('reported'),
      );
      return found.length > 0 ? found : undefined;
    });
    assert.ok(events.length > 0);
    const corrected = (await h.events(name)).filter((e) => e.reason === 'DriftCorrected');
    assert.ok(
      corrected.every((e) => !String(e.message).includes('reported')),
      corrected.map((e) => String(e.message)).join('; '),
    );
  });

  it('leaves an object annotated mooring.dev/drift: ignore alone, silently', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({
      'app.yaml': [
        configMap('tuned', { size: 'small' }, { 'mooring.dev/drift': 'ignore' }),
        configMap('guarded', { size: 'small' }),
      ],
    });
    const name = h.uniqueName('ignore');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));

    await kubectl([
      'patch',
      'configmap/tuned',
      '-n',
      h.destNamespace,
      '--type=merge',
      '-p',
      '{"data":{"size":"large"}}',
    ]);
    // A drift on its neighbour proves the watch is live: once that is corrected, the ignored one was seen too.
    await kubectl([
      'patch',
      'configmap/guarded',
      '-n',
      h.destNamespace,
      '--type=merge',
      '-p',
      '{"data":{"size":"large"}}',
    ]);
    await h.waitFor('the neighbour corrected', async () =>
      (await configMapData(h, 'guarded'))?.size === 'small' ? true : undefined,
    );
    await sleep(1_000);
    assert.deepEqual(await configMapData(h, 'tuned'), { size: 'large' });
    const app = await h.getApp(name);
    assert.equal(app.status?.sync?.status, 'Synced');
    assert.equal(app.status.resources?.find((r) => r.name === 'tuned')?.sync, 'Synced');
    const events = await h.events(name);
    const driftEvents = events.filter((e) => String(e.reason).startsWith('Drift'));
    assert.equal(driftEvents.length, 1, 'one drift event, for the neighbour');
    const records = (await h.syncRecords(name)).map((r) => JSON.stringify(r.spec));
    assert.ok(
      records.every((r) => !r.includes('/tuned') || r.includes('"trigger":"poll"')),
      records.join('\n'),
    );
    assert.ok(
      !driftEvents.some((e) => String(e.message).includes('/tuned')),
      `events: ${events.map((e) => String(e.message)).join('; ')}`,
    );
  });

  it('recreates an object deleted outside Git', async (t) => {
    const h = await controllerHarness(t);
    const sha = await h.publish({ 'app.yaml': [configMap('precious', { keep: 'me' })] });
    const name = h.uniqueName('recreate');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(sha));
    const before = await h.get('v1', 'ConfigMap', 'precious');

    await kubectl(['delete', 'configmap/precious', '-n', h.destNamespace]);
    const after = await h.waitFor('the ConfigMap back', async () => {
      const cm = await h.get('v1', 'ConfigMap', 'precious');
      return cm !== undefined && cm.metadata.uid !== before?.metadata.uid ? cm : undefined;
    });
    assert.deepEqual(after.data, { keep: 'me' });
    const records = await h.waitFor('a drift record', async () => {
      const found = (await h.syncRecords(name))
        .map((r) => r.spec as DriftRecordSpec)
        .filter((r) => r.trigger === 'drift');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(records[0]?.objects[0]?.action, 'created');
    const app = await h.waitForApp(name, 'Ready again', readyAt(sha));
    assert.ok(app.status?.inventory?.some((e) => e.id === `${h.destNamespace}_precious__ConfigMap`));
  });
});
