import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { AutomationOutcome } from '../../../src/image/update/automation.js';
import { updateResult } from '../../../src/metrics/image.js';
import { Metrics } from '../../../src/metrics/metrics.js';

const automation = (namespace: string, name: string): { metadata: { namespace: string; name: string } } => ({
  metadata: { namespace, name },
});
const hold = { app: 'team-a/web', path: 'apps/web', reason: 'held by rollback of app team-a/web' };

describe('image metrics', () => {
  it('count scans per repository and result, with their duration', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const sink = metrics.image.scanSink();
    sink.scanned?.({
      repository: 'team-a/web',
      outcome: 'success',
      trigger: 'webhook',
      durationMs: 120,
      tags: 3,
    });
    sink.scanned?.({
      repository: 'team-a/web',
      outcome: 'success',
      trigger: 'interval',
      durationMs: 80,
      tags: 3,
    });
    sink.scanned?.({
      repository: 'team-a/api',
      outcome: 'failure',
      trigger: 'interval',
      durationMs: 2,
      tags: undefined,
    });
    const text = await metrics.exposition();
    assert.match(
      text,
      /mooring_image_scans_total\{namespace="team-a",repository="web",result="success"\} 2\n/,
    );
    assert.match(
      text,
      /mooring_image_scans_total\{namespace="team-a",repository="api",result="failure"\} 1\n/,
    );
    assert.match(text, /mooring_image_scan_duration_seconds_count\{result="success"\} 2\n/);
    assert.match(text, /mooring_image_scan_duration_seconds_sum\{result="success"\} 0\.2\n/);
    assert.match(text, /mooring_image_scan_duration_seconds_bucket\{le="0.1",result="success"\} 1\n/);
  });

  it("remove a deleted repository's series and leave the others", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const sink = metrics.image.scanSink();
    sink.scanned?.({
      repository: 'team-a/web',
      outcome: 'success',
      trigger: 'webhook',
      durationMs: 1,
      tags: 1,
    });
    sink.scanned?.({
      repository: 'team-a/web',
      outcome: 'failure',
      trigger: 'webhook',
      durationMs: 1,
      tags: 1,
    });
    sink.scanned?.({
      repository: 'team-b/web',
      outcome: 'success',
      trigger: 'webhook',
      durationMs: 1,
      tags: 1,
    });
    sink.forgotten?.('team-a/web');
    const text = await metrics.exposition();
    assert.doesNotMatch(text, /mooring_image_scans_total\{namespace="team-a"/);
    assert.match(
      text,
      /mooring_image_scans_total\{namespace="team-b",repository="web",result="success"\} 1\n/,
    );
  });

  it('count automation runs by result, a rollback hold as "held", and forget a deleted automation', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const pushed: AutomationOutcome = {
      kind: 'pushed',
      commit: 'c0ffee',
      branch: 'main',
      changes: [],
      held: [],
      observed: [],
    };
    const held: AutomationOutcome = { kind: 'unchanged', held: [hold], observed: [] };
    const unchanged: AutomationOutcome = { kind: 'unchanged', held: [], observed: [] };
    assert.equal(updateResult(held), 'held');
    assert.equal(updateResult(unchanged), 'unchanged');
    assert.equal(updateResult({ kind: 'failed', message: 'x' }), 'failed');
    metrics.image.updated(automation('team-a', 'web'), pushed);
    metrics.image.updated(automation('team-a', 'web'), held);
    metrics.image.updated(automation('team-a', 'web'), held);
    metrics.image.updated(automation('team-a', 'api'), unchanged);
    let text = await metrics.exposition();
    assert.match(
      text,
      /mooring_image_updates_total\{namespace="team-a",automation="web",result="pushed"\} 1\n/,
    );
    assert.match(
      text,
      /mooring_image_updates_total\{namespace="team-a",automation="web",result="held"\} 2\n/,
    );
    assert.match(
      text,
      /mooring_image_updates_total\{namespace="team-a",automation="api",result="unchanged"\} 1\n/,
    );
    metrics.image.forgetAutomation('team-a/web');
    text = await metrics.exposition();
    assert.doesNotMatch(text, /automation="web"/);
    assert.match(text, /automation="api"/);
  });
});
