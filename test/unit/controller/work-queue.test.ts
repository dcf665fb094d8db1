import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backoffMs, jittered, WorkQueue } from '../../../src/controller/work-queue.js';
import { sleep } from '../../../src/core/wait.js';

describe('work queue', () => {
  it('runs a key once however often it is added before it runs', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue(async (key) => {
      runs.push(key);
    }, 2);
    queue.add('a', 20);
    queue.add('a', 10);
    queue.add('a', 30);
    await sleep(80);
    assert.deepEqual(runs, ['a']);
    await queue.stop();
  });

  it('never processes one key twice at once, and runs it again if added meanwhile', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const queue = new WorkQueue(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      runs += 1;
      await sleep(30);
      running -= 1;
    }, 4);
    queue.add('a');
    await sleep(5);
    queue.add('a');
    queue.add('a');
    await sleep(120);
    assert.equal(maxRunning, 1);
    assert.equal(runs, 2);
    await queue.stop();
  });

  it('limits how many keys run together', async () => {
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running -= 1;
    }, 2);
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
    await sleep(150);
    assert.equal(maxRunning, 2);
    await queue.stop();
  });

  it('keeps the earliest due time and forgets removed keys', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue(async (key) => {
      runs.push(key);
    }, 1);
    queue.add('late', 10_000);
    queue.add('late', 10);
    queue.add('gone', 10);
    queue.remove('gone');
    await sleep(60);
    assert.deepEqual(runs, ['late']);
    await queue.stop();
  });

  it('stop waits for the work under way', async () => {
    let finished = false;
    const queue = new WorkQueue(async () => {
      await sleep(40);
      finished = true;
    }, 1);
    queue.add('a');
    await sleep(5);
    await queue.stop();
    assert.equal(finished, true);
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
