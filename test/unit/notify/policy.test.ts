import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseNotificationPolicy } from '../../../src/crd/notification-policy.js';
import { boundedStates, MAX_APP_STATES, selects, selectorWarning } from '../../../src/notify/policy.js';
import { observation } from './fixtures.js';

const policy = (namespace: string, selector: Record<string, unknown> = {}) =>
  parseNotificationPolicy({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'NotificationPolicy',
    metadata: { name: 'p', namespace },
    spec: {
      selector,
      events: ['sync-failed'],
      sinks: [{ name: 'hook', type: 'webhook', secretRef: { name: 'h' } }],
    },
  });
const CONTROLLER_NS = 'mooring-system';

describe('NotificationPolicy selection', () => {
  it('defaults to every app of its own namespace', () => {
    assert.equal(selects(policy('apps'), observation(), CONTROLLER_NS), true);
    assert.equal(selects(policy('other'), observation(), CONTROLLER_NS), false);
  });

  it('never lets a tenant policy select another namespace, and says so in its status', () => {
    const tenant = policy('other', { namespaces: ['apps', '*'] });
    assert.equal(selects(tenant, observation(), CONTROLLER_NS), false);
    assert.match(selectorWarning(tenant, CONTROLLER_NS) ?? '', /apps, \* ignored/);
  });

  it('lets a policy of the controller namespace select namespaces, or all with "*"', () => {
    assert.equal(
      selects(policy(CONTROLLER_NS, { namespaces: ['apps'] }), observation(), CONTROLLER_NS),
      true,
    );
    assert.equal(selects(policy(CONTROLLER_NS, { namespaces: ['*'] }), observation(), CONTROLLER_NS), true);
    assert.equal(selects(policy(CONTROLLER_NS), observation(), CONTROLLER_NS), false);
  });

  it('filters by name and labels', () => {
    assert.equal(selects(policy('apps', { names: ['api'] }), observation(), CONTROLLER_NS), false);
    assert.equal(selects(policy('apps', { names: ['web'] }), observation(), CONTROLLER_NS), true);
    assert.equal(
      selects(
        policy('apps', { labelSelector: { matchLabels: { team: 'a' } } }),
        observation(),
        CONTROLLER_NS,
      ),
      true,
    );
    assert.equal(
      selects(
        policy('apps', { labelSelector: { matchLabels: { team: 'b' } } }),
        observation(),
        CONTROLLER_NS,
      ),
      false,
    );
  });

  it('refuses a policy with no events or no sinks, and defaults the windows', () => {
    assert.throws(
      () =>
        parseNotificationPolicy({
          apiVersion: 'mooring.dev/v1alpha1',
          kind: 'NotificationPolicy',
          metadata: { name: 'p', namespace: 'a' },
          spec: { events: [], sinks: [] },
        }),
      /spec\.events.*spec\.sinks|spec\.sinks.*spec\.events/,
    );
    const p = policy('apps');
    assert.deepEqual(
      [p.spec.groupWindow, p.spec.outOfSyncAfter, p.spec.rateLimit],
      ['10s', '10m', { messages: 20, per: '1h' }],
    );
  });

  it('keeps at most MAX_APP_STATES app states in status: the most recently changed', () => {
    const states = Array.from({ length: MAX_APP_STATES + 10 }, (_, i) => ({
      app: `apps/app-${String(i).padStart(4, '0')}`,
      updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }));
    const kept = boundedStates(states);
    assert.equal(kept.length, MAX_APP_STATES);
    assert.ok(!kept.some((s) => s.app === 'apps/app-0000'), 'the oldest is dropped');
    assert.ok(kept.some((s) => s.app === `apps/app-${String(MAX_APP_STATES + 9).padStart(4, '0')}`));
  });
});
