import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import type { ApplicationSummary } from '../../../src/api/index/summary.js';
import { EventRing, formatEvent } from '../../../src/api/stream-buffer.js';
import type { StreamChange, StreamView } from '../../../src/api/stream.js';
import { appView, listView, serveEvents } from '../../../src/api/stream.js';
import { nextEvent, readEvents } from '../../helpers/sse.js';

describe('event ring buffer', () => {
  it('gives monotonic ids and replays what came after a client id', () => {
    const ring = new EventRing<string>(3, 'e1');
    const ids = ['a', 'b', 'c'].map((d) => ring.push(d).id);
    assert.deepEqual(ids, ['e1-1', 'e1-2', 'e1-3']);
    const resume = ring.since('e1-1');
    assert.equal(resume.kind, 'replay');
    assert.deepEqual(
      resume.events.map((e) => e.data),
      ['b', 'c'],
    );
    assert.deepEqual(ring.since('e1-3'), { kind: 'replay', events: [] });
  });

  it('answers reset when the missed events have left the buffer', () => {
    const ring = new EventRing<number>(3, 'e1');
    for (let i = 1; i <= 5; i++) ring.push(i);
    // Kept: 3, 4, 5. After id 2 everything is still there; after id 1, event 2 is gone.
    const after2 = ring.since('e1-2');
    assert.deepEqual(after2.kind === 'replay' ? after2.events.map((e) => e.data) : 'reset', [3, 4, 5]);
    assert.equal(ring.since('e1-1').kind, 'reset');
  });

  it('answers reset for an id of another process, from the future, or garbage', () => {
    const ring = new EventRing<number>(10, 'e2');
    ring.push(1);
    for (const id of ['e1-1', 'e2-9', 'e2-x', 'nonsense', 'e2-1e3', ''])
      assert.equal(ring.since(id).kind, 'reset', id);
  });

  it('formats an event as id, event and one data line', () => {
    assert.equal(
      formatEvent({ id: 'e-1', type: 'status', data: { message: 'two\nlines' } }),
      'id: e-1\nevent: status\ndata: {"message":"two\\nlines"}\n\n',
    );
  });
});

const change = (namespace: string, name: string, phase: string): StreamChange => ({
  kind: 'application',
  namespace,
  name,
  entry: {
    summary: { namespace, name, sync: phase } as unknown as ApplicationSummary,
    labels: {},
    searchText: name,
  },
  status: { summary: phase },
  summaryChanged: true,
  statusChanged: true,
});

async function withServer(
  ring: EventRing<StreamChange>,
  view: (url: string) => StreamView,
  work: (base: string) => Promise<void>,
): Promise<void> {
  const server = createServer((req, res) => {
    void serveEvents(req, res, ring, view(req.url ?? ''), { heartbeatMs: 50, recheckMs: 0 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

describe('serving server-sent events over real HTTP', () => {
  it('streams live changes, resumes with Last-Event-ID without loss or repeats, and resets when too old', async () => {
    const ring = new EventRing<StreamChange>(4, 'ep');
    await withServer(
      ring,
      () =>
        listView(
          () => true,
          () => Promise.resolve(true),
        ),
      async (base) => {
        const controller = new AbortController();
        const response = await fetch(`${base}/`, { signal: controller.signal });
        assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        const events = readEvents(response.body as ReadableStream<Uint8Array>);
        ring.push(change('a', 'one', 'Synced'));
        const first = await nextEvent(events);
        assert.equal(first.event, 'application');
        assert.equal(first.id, 'ep-1');
        assert.deepEqual(JSON.parse(first.data ?? ''), { namespace: 'a', name: 'one', sync: 'Synced' });
        controller.abort();

        // While disconnected: two changes. Resuming from ep-1 gets exactly those, in order.
        ring.push(change('a', 'one', 'OutOfSync'));
        ring.push(change('a', 'two', 'Synced'));
        const again = new AbortController();
        const resumed = await fetch(`${base}/`, {
          signal: again.signal,
          headers: { 'last-event-id': 'ep-1' },
        });
        const replay = readEvents(resumed.body as ReadableStream<Uint8Array>);
        const ids = [(await nextEvent(replay)).id, (await nextEvent(replay)).id];
        assert.deepEqual(ids, ['ep-2', 'ep-3']);
        ring.push(change('a', 'two', 'OutOfSync'));
        assert.equal((await nextEvent(replay)).id, 'ep-4');
        again.abort();

        // Beyond the buffer (capacity 4): told to reload, with the id to follow from.
        for (let i = 0; i < 5; i++) ring.push(change('a', 'one', `s${i}`));
        const late = new AbortController();
        const stale = await fetch(`${base}/`, { signal: late.signal, headers: { 'last-event-id': 'ep-1' } });
        const reset = await nextEvent(readEvents(stale.body as ReadableStream<Uint8Array>));
        assert.equal(reset.event, 'reset');
        assert.equal(reset.id, 'ep-9');
        late.abort();
      },
    );
  });

  it('sends only what the client may read: namespaces it is not allowed, and other apps, are left out', async () => {
    const ring = new EventRing<StreamChange>(100, 'ep');
    const asked: string[] = [];
    await withServer(
      ring,
      () =>
        appView('team-a', 'web', (namespace) => {
          asked.push(namespace);
          return Promise.resolve(namespace === 'team-a');
        }),
      async (base) => {
        const controller = new AbortController();
        const response = await fetch(`${base}/`, { signal: controller.signal });
        const events = readEvents(response.body as ReadableStream<Uint8Array>);
        ring.push(change('team-a', 'other', 'Synced'));
        ring.push({
          kind: 'record',
          namespace: 'team-a',
          name: 'web',
          record: { name: 'web-1', result: 'Succeeded' },
        });
        ring.push(change('team-a', 'web', 'Synced'));
        const record = await nextEvent(events);
        assert.equal(record.event, 'record');
        assert.deepEqual(JSON.parse(record.data ?? '{}'), { name: 'web-1', result: 'Succeeded' });
        const status = await nextEvent(events);
        assert.equal(status.event, 'status');
        assert.equal(status.id, 'ep-3');
        controller.abort();
      },
    );
    // Authorisation was asked for each event this view selected (recheckMs 0: never reused).
    assert.deepEqual(asked, ['team-a', 'team-a']);
  });

  it('stops sending a namespace once its authorisation is revoked', async () => {
    const ring = new EventRing<StreamChange>(100, 'ep');
    let allowed = true;
    await withServer(
      ring,
      () =>
        listView(
          () => true,
          () => Promise.resolve(allowed),
        ),
      async (base) => {
        const controller = new AbortController();
        const response = await fetch(`${base}/`, { signal: controller.signal });
        const events = readEvents(response.body as ReadableStream<Uint8Array>);
        ring.push(change('a', 'one', 'Synced'));
        assert.equal((await nextEvent(events)).id, 'ep-1');
        allowed = false;
        ring.push(change('a', 'one', 'OutOfSync'));
        // Asked synchronously when ep-2 was pushed; events go out in order, so once ep-3 arrives, ep-2 was
        // judged and skipped.
        allowed = true;
        ring.push(change('a', 'one', 'Synced'));
        assert.equal((await nextEvent(events)).id, 'ep-3');
        controller.abort();
      },
    );
  });
});
