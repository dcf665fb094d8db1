import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { NotificationEvent } from '../../../src/notify/decide.js';
import { addToGroups, admit, takeDue } from '../../../src/notify/group.js';
import type { PendingGroup } from '../../../src/notify/group.js';
import { failed, SHA_A, SHA_B } from './fixtures.js';

const event = (name: string, revision = SHA_A): NotificationEvent => ({
  event: 'sync-failed',
  app: `apps/${name}`,
  revision,
  at: '2026-12-01T00:00:00Z',
  observation: failed({ revision }, name),
});

describe('grouping', () => {
  it('puts 40 apps failing on one commit within the window into one group', () => {
    let groups: PendingGroup[] = [];
    for (let i = 0; i < 40; i += 1) groups = addToGroups(groups, event(`app-${String(i)}`), 1000 + i * 10);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.items.length, 40);
    assert.deepEqual(takeDue(groups, 1000 + 9_999, 10_000).due, []);
    const { due, rest } = takeDue(groups, 1000 + 10_000, 10_000);
    assert.equal(due.length, 1);
    assert.deepEqual(rest, []);
  });

  it('keeps another commit, or another event, in its own group', () => {
    let groups: PendingGroup[] = [];
    groups = addToGroups(groups, event('web'), 0);
    groups = addToGroups(groups, event('api', SHA_B), 0);
    groups = addToGroups(groups, { ...event('db'), event: 'health-degraded' }, 0);
    assert.equal(groups.length, 3);
  });

  it('keeps one event per app in a group: the latest', () => {
    let groups: PendingGroup[] = [];
    groups = addToGroups(groups, event('web'), 0);
    groups = addToGroups(groups, { ...event('web'), at: 'later' }, 5);
    assert.deepEqual(
      groups[0]?.items.map((i) => i.at),
      ['later'],
    );
  });
});

describe('rate limit', () => {
  const limit = { messages: 2, perMs: 60_000 };
  const t = (s: number): Date => new Date(Date.parse('2026-12-01T00:00:00Z') + s * 1000);

  it('sends N messages per period, counts what it holds back, and reports the count with the next one', () => {
    let rate = admit(undefined, t(0), limit, 1);
    assert.equal(rate.send, true);
    rate = admit(rate.rate, t(1), limit, 1);
    assert.equal(rate.send, true);
    rate = admit(rate.rate, t(2), limit, 5);
    assert.equal(rate.send, false);
    rate = admit(rate.rate, t(3), limit, 7);
    assert.equal(rate.send, false);
    assert.equal(rate.rate.suppressed, 12);
    // A new period: the next message goes out and says "and 12 more".
    rate = admit(rate.rate, t(61), limit, 1);
    assert.deepEqual([rate.send, rate.carried, rate.rate.suppressed, rate.rate.sent], [true, 12, 0, 1]);
  });
});
