import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import summaryReporter from '../summary-reporter.js';

type Event = Parameters<typeof summaryReporter>[0] extends AsyncIterable<infer E> ? E : never;

async function summarise(events: Event[]): Promise<string> {
  async function* source(): AsyncGenerator<Event> {
    for (const e of events) yield e;
  }
  let out = '';
  for await (const chunk of summaryReporter(source())) out += chunk;
  return out.trim();
}

const test = (type: 'test:pass' | 'test:fail', nesting: number, extra: object = {}): Event => ({
  type,
  data: { nesting, ...extra },
});
const suite = (type: 'test:pass' | 'test:fail', nesting: number): Event => ({
  type,
  data: { nesting, details: { type: 'suite' } },
});

describe('summary reporter', () => {
  it('counts tests, not suites, and skips separately', async () => {
    assert.equal(
      await summarise([
        test('test:pass', 1),
        test('test:pass', 1, { skip: true }),
        suite('test:pass', 0),
        test('test:pass', 0),
      ]),
      '2 passed, 0 failed, 1 skipped',
    );
  });

  it('counts a failed test once even though its suite fails too', async () => {
    assert.equal(
      await summarise([test('test:fail', 2), suite('test:fail', 1), suite('test:fail', 0)]),
      '0 passed, 1 failed, 0 skipped',
    );
  });

  it('counts a suite that failed with no failed test inside (a broken hook or file) as a failure', async () => {
    assert.equal(
      await summarise([test('test:pass', 1), suite('test:fail', 0)]),
      '1 passed, 1 failed, 0 skipped',
    );
  });
});
