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
