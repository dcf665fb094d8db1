import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backoffMs, jittered, WorkQueue } from '../../../src/controller/work-queue.js';
import type { QueueTimers } from '../../../src/controller/work-queue.js';

/** A clock that moves only when the test says so; timers fire in due order as it moves. */
class ManualTimers implements QueueTimers {
  private time = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers still waiting (the queue keeps at most one). */
  get waiting(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing each timer at its due time and letting the work it starts settle. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      const due = [...this.pending.entries()]
        .filter(([, timer]) => timer.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = target;
    await settle();
  }
}

/** Lets promise callbacks (the queue's handlers and their `finally`) run; no time passes on the clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A handler whose runs finish only when the test releases them. */
function gatedHandler(): {
  handler: (key: string) => Promise<void>;
  started: string[];
  running: () => number;
  finishAll: () => void;
} {
  const started: string[] = [];
  const gates: (() => void)[] = [];
  return {
    started,
    handler: (key) =>
      new Promise<void>((resolve) => {
        started.push(key);
        gates.push(resolve);
      }),
    running: () => gates.length,
    finishAll: () => {
      for (const release of gates.splice(0)) release();
    },
  };
}

describe('work queue', () => {
  it('runs a key once however often it is added before it runs, at the earliest due time', async () => {
    const timers = new ManualTimers();
    const runs: { key: string; at: number }[] = [];
    const queue = new WorkQueue(
      async (key) => {
        runs.push({ key, at: timers.now() });
      },
      2,
      timers,
    );
    queue.add('a', 30);
    queue.add('a', 10);
    queue.add('a', 20);
    assert.equal(queue.dueAt('a'), 10);
    await timers.advance(9);
    assert.deepEqual(runs, [], 'nothing is due before 10 ms');
    await timers.advance(1);
    assert.deepEqual(runs, [{ key: 'a', at: 10 }], 'the earliest add decides when it runs, not the last');
    await timers.advance(100);
    assert.deepEqual(runs, [{ key: 'a', at: 10 }], 'and it runs only once');
    await queue.stop();
  });

  it('keeps the earliest due time when a later add comes after a sooner one', async () => {
    const timers = new ManualTimers();
    const runs: number[] = [];
    const queue = new WorkQueue(
      async () => {
        runs.push(timers.now());
      },
      1,
      timers,
    );
    queue.add('late', 10);
    queue.add('late', 10_000);
    await timers.advance(10);
    assert.deepEqual(runs, [10]);
    await queue.stop();
  });

  it('runs keys in order of due time', async () => {
    const timers = new ManualTimers();
    const runs: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        runs.push(key);
      },
      1,
      timers,
    );
    queue.add('c', 30);
    queue.add('b', 20);
    queue.add('a', 10);
    await timers.advance(15);
    assert.deepEqual(runs, ['a']);
    await timers.advance(100);
    assert.deepEqual(runs, ['a', 'b', 'c']);
    await queue.stop();
  });

  it('never processes one key twice at once, and runs it again (once) if added meanwhile', async () => {
    const timers = new ManualTimers();
    const work = gatedHandler();
    const queue = new WorkQueue(work.handler, 4, timers);
    queue.add('a');
    await timers.advance(0);
    assert.deepEqual(work.started, ['a']);
    queue.add('a');
    queue.add('a', 50);
    await timers.advance(100);
    assert.equal(work.running(), 1, 'the second add waits for the first run');
    assert.equal(queue.dueAt('a'), 0, 'and keeps the earliest due time it was given');
    work.finishAll();
    await timers.advance(0);
    assert.deepEqual(work.started, ['a', 'a'], 'runs again once the first run ends');
    work.finishAll();
    await timers.advance(1_000);
    assert.deepEqual(work.started, ['a', 'a'], 'the adds made during the run gave one more run, not two');
    await queue.stop();
  });

  it('an add during a run keeps its own delay', async () => {
    const timers = new ManualTimers();
    const work = gatedHandler();
    const queue = new WorkQueue(work.handler, 1, timers);
    queue.add('a');
    await timers.advance(0);
    queue.add('a', 500);
    work.finishAll();
    await timers.advance(499);
    assert.deepEqual(work.started, ['a']);
    await timers.advance(1);
    assert.deepEqual(work.started, ['a', 'a']);
    work.finishAll();
    await queue.stop();
  });

  it('limits how many keys run together', async () => {
    const timers = new ManualTimers();
    const work = gatedHandler();
    const queue = new WorkQueue(work.handler, 2, timers);
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
    await timers.advance(0);
    assert.deepEqual(work.started, ['a', 'b']);
    await timers.advance(1_000);
    assert.equal(work.running(), 2, 'time passing does not start more while two run');
    work.finishAll();
    await timers.advance(0);
    assert.deepEqual(work.started, ['a', 'b', 'c', 'd']);
    work.finishAll();
    await timers.advance(0);
    assert.deepEqual(work.started, ['a', 'b', 'c', 'd', 'e']);
    work.finishAll();
    await queue.stop();
  });

  it('forgets removed keys', async () => {
    const timers = new ManualTimers();
    const runs: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        runs.push(key);
      },
      1,
      timers,
    );
    queue.add('kept', 10);
    queue.add('gone', 10);
    queue.remove('gone');
    assert.equal(queue.dueAt('gone'), undefined);
    await timers.advance(1_000);
    assert.deepEqual(runs, ['kept']);
    await queue.stop();
  });

  it('keeps going after a handler fails', async () => {
    const timers = new ManualTimers();
    const runs: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        runs.push(key);
        if (key === 'bad') throw new Error('boom');
      },
      1,
      timers,
    );
    queue.add('bad');
    queue.add('good', 5);
    await timers.advance(10);
    assert.deepEqual(runs, ['bad', 'good']);
    await queue.stop();
  });

  it('stop waits for the work under way and takes no more', async () => {
    const timers = new ManualTimers();
    const work = gatedHandler();
    const queue = new WorkQueue(work.handler, 1, timers);
    queue.add('a');
    queue.add('b', 10);
    await timers.advance(0);
    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    await timers.advance(0);
    assert.equal(stopped, false, 'stop waits while a run is under way');
    work.finishAll();
    await stopping;
    assert.equal(stopped, true);
    queue.add('c');
    await timers.advance(1_000);
    assert.deepEqual(work.started, ['a'], 'nothing runs after stop');
    assert.equal(timers.waiting, 0, 'and no timer is left behind');
  });
});

describe('retry timing', () => {
  it('backs off exponentially with a cap', () => {
    const fixed = (): number => 0.5;
    assert.equal(backoffMs(1, 1000, 300_000, fixed), 1000);
    assert.equal(backoffMs(4, 1000, 300_000, fixed), 8000);
    assert.equal(backoffMs(30, 1000, 300_000, fixed), 300_000);
  });
  it('jitters polls by up to 10%', () => {
    assert.equal(
      jittered(180_000, () => 0),
      180_000,
    );
    assert.equal(
      jittered(180_000, () => 1),
      198_000,
    );
  });
});
