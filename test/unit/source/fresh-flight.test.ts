import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FreshFlights } from '../../../src/source/fresh-flight.js';

/** Work whose runs the test finishes by hand; each run answers its own number. */
function manualWork(): { work: () => Promise<number>; finish: (run: number) => void; started: () => number } {
  const resolvers: ((n: number) => void)[] = [];
  return {
    work: () =>
      new Promise<number>((resolve) => {
        resolvers.push(resolve);
      }),
    finish: (run) => {
      resolvers[run - 1]?.(run);
    },
    started: () => resolvers.length,
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FreshFlights: shared fetches that are never older than the question', () => {
  it('runs once for a lone caller, and again for the next caller after it finished', async () => {
    const flights = new FreshFlights<number>();
    const w = manualWork();
    const first = flights.run('repo', w.work);
    w.finish(1);
    assert.equal(await first, 1);
    const second = flights.run('repo', w.work);
    await tick();
    w.finish(2);
    assert.equal(await second, 2);
    assert.equal(w.started(), 2);
  });

  it('gives callers who arrive during a run the next run, shared, never the one already under way', async () => {
    const flights = new FreshFlights<number>();
    const w = manualWork();
    const early = flights.run('repo', w.work);
    const late = [flights.run('repo', w.work), flights.run('repo', w.work), flights.run('repo', w.work)];
    await tick();
    assert.equal(w.started(), 1, 'the late callers wait for the run under way to end');
    w.finish(1);
    assert.equal(await early, 1);
    await tick();
    assert.equal(w.started(), 2, 'one more run for all late callers');
    w.finish(2);
    assert.deepEqual(await Promise.all(late), [2, 2, 2]);
  });

  it('keeps keys apart, and a failed run fails only its own callers', async () => {
    const flights = new FreshFlights<number>();
    const failing = flights.run('a', () => Promise.reject(new Error('no route')));
    const other = flights.run('b', () => Promise.resolve(7));
    await assert.rejects(failing, /no route/);
    assert.equal(await other, 7);
    assert.equal(await flights.run('a', () => Promise.resolve(8)), 8);
  });
});

describe('FreshFlights with `since`: any run begun after the trigger answers it', () => {
  it('shares a run under way or the last finished one that began strictly after `since`, never an older one', async () => {
    let clock = 100;
    const flights = new FreshFlights<number>(() => clock);
    const w = manualWork();
    const first = flights.run('repo', w.work); // starts at 100
    clock = 150;
    const joined = flights.run('repo', w.work, 99); // triggered before the run began: shares it
    const sameInstant = flights.run('repo', w.work, 100); // triggered as it began: waits for the next
    await tick();
    assert.equal(w.started(), 1);
    w.finish(1);
    assert.equal(await first, 1);
    assert.equal(await joined, 1);
    await tick();
    assert.equal(w.started(), 2, 'the same-instant caller gets a run of its own');
    w.finish(2); // run 2 began at 150
    assert.equal(await sameInstant, 2);
    clock = 200;
    assert.equal(await flights.run('repo', w.work, 149), 2, 'the last run began after 149: no new run');
    assert.equal(w.started(), 2);
    const fresh = flights.run('repo', w.work, 150);
    await tick();
    assert.equal(w.started(), 3, 'triggered when the last run began: a new run');
    w.finish(3);
    assert.equal(await fresh, 3);
  });

  it('never answers from a failed run', async () => {
    let clock = 10;
    const flights = new FreshFlights<number>(() => clock);
    await assert.rejects(
      flights.run('a', () => Promise.reject(new Error('no route'))),
      /no route/,
    );
    clock = 20;
    let runs = 0;
    const value = await flights.run(
      'a',
      () => {
        runs += 1;
        return Promise.resolve(5);
      },
      5,
    );
    assert.equal(value, 5);
    assert.equal(runs, 1);
  });
});
