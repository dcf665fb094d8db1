import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { NotificationEvent } from '../../../src/notify/decide.js';
import { buildMessage, dashboardLink, MAX_APPS_PER_MESSAGE } from '../../../src/notify/message.js';
import { failed, observation, SHA_A } from './fixtures.js';

const at = '2026-12-01T00:00:00Z';

describe('buildMessage', () => {
  it('says what changed: commit, author, objects, images, health, link', () => {
    const o = observation({
      changes: {
        created: ['Service/apps/web'],
        changed: ['Deployment/apps/web'],
        pruned: ['ConfigMap/apps/old'],
        failed: [],
      },
      images: [
        {
          subject: 'Deployment/web',
          path: 'spec.template.spec.containers[0].image',
          before: 'nginx:1.25',
          after: 'nginx:1.26',
        },
      ],
    });
    const message = buildMessage({
      policy: 'apps/team',
      events: [{ event: 'sync-succeeded', app: o.app, revision: SHA_A, at, observation: o }],
      suppressed: 0,
      dashboardUrl: 'https://mooring.example.com/',
    });
    assert.equal(message.title, 'web: synced at aaaaaaaaaaaa');
    assert.equal(message.severity, 'success');
    assert.match(message.text, /commit: bump web to 1\.26 \(Ada <ada@example\.com>\)/);
    assert.match(message.text, /created: Service\/apps\/web/);
    assert.match(message.text, /changed: Deployment\/apps\/web/);
    assert.match(message.text, /pruned: ConfigMap\/apps\/old/);
    assert.match(message.text, /image Deployment\/web: nginx:1\.25 -> nginx:1\.26/);
    assert.match(message.text, /https:\/\/mooring\.example\.com\/applications\/apps\/web/);
  });

  it('names the drifted fields and who changed them', () => {
    const o = observation({
      kind: 'heal',
      drift: {
        detected: [],
        corrected: [
          {
            subject: 'Deployment/apps/web',
            fields: [{ path: 'spec.replicas', changedBy: ['kubectl-scale'] }],
          },
        ],
      },
    });
    const message = buildMessage({
      policy: 'apps/team',
      events: [{ event: 'drift-corrected', app: o.app, at, observation: o }],
      suppressed: 0,
    });
    assert.match(message.text, /drift Deployment\/apps\/web: spec\.replicas \(changed by kubectl-scale\)/);
  });

  it('lists the first apps of a burst, counts the rest and what the rate limit held back', () => {
    const events: NotificationEvent[] = Array.from({ length: 40 }, (_, i) => {
      const o = failed({}, `app-${String(i).padStart(2, '0')}`);
      return { event: 'sync-failed', app: o.app, revision: SHA_A, at, observation: o };
    });
    const message = buildMessage({ policy: 'apps/team', events, suppressed: 12 });
    assert.equal(message.title, '40 apps: sync failed at aaaaaaaaaaaa');
    assert.equal(message.apps.length, MAX_APPS_PER_MESSAGE);
    assert.equal(message.moreApps, 30);
    assert.match(message.text, /and 30 more apps/);
    assert.match(message.text, /and 12 more events held back by the rate limit/);
    assert.match(
      message.text,
      /apps\/app-00 failed to sync aaaaaaaaaaaa: Deployment\/apps\/web: spec\.replicas: Invalid value/,
    );
  });

  it('makes no link without a dashboard, and escapes names in one', () => {
    assert.equal(dashboardLink(undefined, 'a', 'b'), undefined);
    assert.equal(
      dashboardLink('https://d.example', 'a b', 'c/d'),
      'https://d.example/applications/a%20b/c%2Fd',
    );
  });
});
