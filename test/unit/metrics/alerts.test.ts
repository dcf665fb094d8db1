import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { Metrics } from '../../../src/metrics/metrics.js';

const run = promisify(execFile);
const RULES = join(packageRoot(), 'examples', 'prometheus', 'mooring-alerts.yaml');
const RULE_TESTS = join(packageRoot(), 'test', 'fixtures', 'metrics', 'alerts.test.yaml');

describe('metrics: documentation', () => {
  it('the README lists every metric the controller exports', async () => {
    const readme = await readFile(join(packageRoot(), 'README.md'), 'utf8');
    const names = new Metrics({ processMetrics: false }).registry.getMetricsAsArray().map((m) => m.name);
    assert.ok(names.length >= 16);
    for (const name of names)
      assert.ok(readme.includes(`| \`${name}\``), `${name} in README's Metrics table`);
  });
});

describe('metrics: example alerting rules', () => {
  it('fire as documented under promtool (Degraded for 5 minutes; a recovery restarts the clock)', async () => {
    // promtool ships in Debian's prometheus package, with the server the integration test starts.
    const { stdout } = await run(process.env.MOORING_PROMTOOL ?? 'promtool', ['test', 'rules', RULE_TESTS], {
      timeout: 60_000,
    });
    assert.match(stdout, /SUCCESS/);
  });

  it('use only metrics the controller exports', async () => {
    const rules = await readFile(RULES, 'utf8');
    const used = new Set([...rules.matchAll(/\b(mooring_[a-z_]+)\b/g)].map((m) => m[1]));
    assert.ok(used.size >= 2);
    const metrics = new Metrics({ processMetrics: false });
    for (const name of used) assert.ok(metrics.registry.getSingleMetric(name ?? ''), `${name} is exported`);
  });
});
