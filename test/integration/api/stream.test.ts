import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';

import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { eventUntil, readEvents } from '../../helpers/sse.js';
import type { WireEvent } from '../../helpers/sse.js';
import { apiHarness, serviceAccountToken } from './detail-harness.js';

/** Opens a stream; it is aborted when the test ends (or after a generous guard, so a lost event fails). */
async function openStream(
  t: TestContext,
  url: string,
  token: string,
  lastEventId?: string,
): Promise<{ events: AsyncGenerator<WireEvent>; close: () => void }> {
  const controller = new AbortController();
  const guard = setTimeout(() => {
    controller.abort();
  }, 90_000).unref();
  const response = await fetch(url, {
    signal: controller.signal,
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
  });
  t.after(() => {
    clearTimeout(guard);
    controller.abort();
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  return {
    events: readEvents(response.body as ReadableStream<Uint8Array>),
    close: () => {
      clearTimeout(guard);
      controller.abort();
    },
  };
}

const recordOf = (revision: string) => (event: WireEvent) =>
  event.event === 'record' &&
  (JSON.parse(event.data ?? '{}') as { revision?: string; result?: string }).revision === revision;

describe('API: server-sent events (real cluster, real git)', () => {
  it('streams the status of an app and SyncRecords, and a client resumes with Last-Event-ID without missing one', async (t) => {
    const h = await controllerHarness(t);
    const api = await apiHarness(t, h);
    const token = await serviceAccountToken(h.appNamespace, 'watcher', ['get', 'list']);
    const name = h.uniqueName('stream');
    const first = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    await h.createApp(name);
    await h.waitForApp(name, 'synced at the first commit', readyAt(first), 30_000);

    const appUrl = `${api.base}/api/v1/applications/${h.appNamespace}/${name}/stream`;
    const listUrl = `${api.base}/api/v1/stream/applications?namespace=${h.appNamespace}`;
    const one = await openStream(t, appUrl, token);
    const list = await openStream(t, listUrl, token);
    const second = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'green' })] });
    // The record is written first, then the status that names it (controller/report.ts sink order).
    const { found: record, before } = await eventUntil(one.events, recordOf(second));
    const { found: status, before: between } = await eventUntil(
      one.events,
      (e) =>
        e.event === 'status' &&
        (JSON.parse(e.data ?? '{}') as { lastSync?: { revision?: string } }).lastSync?.revision === second,
    );
    const seen = [...before, record, ...between, status];
    const numbers = seen.map((e) => Number((e.id ?? '').split('-').pop()));
    assert.deepEqual(
      [...numbers].sort((a, b) => a - b),
      numbers,
      'ids grow',
    );
    assert.equal(new Set(numbers).size, numbers.length, 'ids are unique');
    one.close();

    // The list view: one event per summary change of the app, carrying its summary.
    const { found: summary } = await eventUntil(
      list.events,
      (e) =>
        e.event === 'application' &&
        (JSON.parse(e.data ?? '{}') as { revision?: string }).revision === second,
    );
    assert.equal((JSON.parse(summary.data ?? '{}') as { name?: string }).name, name);
    list.close();

    // Disconnected: a third commit is synced. Resuming from the last id seen replays what was missed.
    const third = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'red' })] });
    await h.waitForApp(name, 'synced at the third commit', readyAt(third), 30_000);
    await h.waitFor('the record of the third commit', async () => {
      const records = await h.syncRecords(name);
      return records.some((r) => (r.spec as { revision?: string }).revision === third) ? true : undefined;
    });
    const resumed = await openStream(t, appUrl, token, status.id);
    const { found: replayed, before: missed } = await eventUntil(resumed.events, recordOf(third));
    const firstReplayed = missed[0] ?? replayed;
    assert.ok(
      Number((firstReplayed.id ?? '').split('-').pop()) > Number((status.id ?? '').split('-').pop()),
      'replay starts after the last id seen',
    );
    assert.ok(![...missed, replayed].some(recordOf(second)), 'nothing seen before is sent again');
    resumed.close();

    // An id of another server process (or long gone): told to reload.
    const stale = await openStream(t, appUrl, token, 'old-epoch-12');
    const { found: reset } = await eventUntil(stale.events, () => true);
    assert.equal(reset.event, 'reset');
    stale.close();
  });
});
