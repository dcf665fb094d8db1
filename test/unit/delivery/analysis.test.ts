import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { evaluateCheck, formatNumber } from '../../../src/delivery/analysis.js';
import type { MetricReading } from '../../../src/delivery/analysis.js';
import type { AnalysisMetric } from '../../../src/crd/delivery.js';

const METRICS: AnalysisMetric[] = [
  { name: 'success', builtin: 'request-success-rate', thresholdRange: { min: 99 } },
  { name: 'latency', builtin: 'request-duration', thresholdRange: { max: 500 } },
];

const readings = (success: MetricReading, latency: MetricReading): Map<string, MetricReading> =>
  new Map([
    ['success', success],
    ['latency', latency],
  ]);

describe('analysis check', () => {
  it('passes when every metric is in range', () => {
    const v = evaluateCheck(METRICS, readings({ value: 99.5 }, { value: 120 }), { value: 50 }, 10);
    assert.equal(v.kind, 'pass');
    assert.deepEqual(
      v.metrics.map((m) => [m.name, m.result, m.value]),
      [
        ['success', 'Passed', 99.5],
        ['latency', 'Passed', 120],
      ],
    );
  });

  it('fails naming the metric, its value and the bound', () => {
    const v = evaluateCheck(METRICS, readings({ value: 80 }, { value: 900 }), { value: 50 }, 10);
    assert.equal(v.kind, 'fail');
    assert.match(v.message, /success 80 < min 99/);
    assert.match(v.message, /latency 900 > max 500/);
    assert.deepEqual(
      v.metrics.map((m) => m.result),
      ['Failed', 'Failed'],
    );
  });

  it('waits below the minimum sample size even when the metrics are bad (low-traffic guard)', () => {
    const v = evaluateCheck(METRICS, readings({ value: 0 }, { value: 9000 }), { value: 3 }, 10);
    assert.equal(v.kind, 'wait');
    assert.match(v.message, /3 canary requests in the interval, 10 needed/);
    assert.deepEqual(
      v.metrics.map((m) => m.result),
      ['LowTraffic', 'LowTraffic'],
    );
    assert.equal(
      evaluateCheck(METRICS, readings({ value: 0 }, { value: 0 }), { empty: true }, 1).kind,
      'wait',
    );
  });

  it('waits (never promotes, never aborts) when Prometheus does not answer', () => {
    const v = evaluateCheck(METRICS, new Map(), { error: 'connect ECONNREFUSED 127.0.0.1:9' }, 10);
    assert.equal(v.kind, 'wait');
    assert.match(v.message, /metrics unavailable, not promoting: connect ECONNREFUSED/);
  });

  it('waits when a metric has no value, but a failing one still fails', () => {
    assert.equal(
      evaluateCheck(METRICS, readings({ value: 100 }, { empty: true }), { value: 50 }, 10).kind,
      'wait',
    );
    assert.equal(
      evaluateCheck(METRICS, readings({ value: 10 }, { empty: true }), { value: 50 }, 10).kind,
      'fail',
    );
  });
});

describe('metric values in messages', () => {
  it('shows integers as integers, even a hair off from extrapolation, and others with two decimals', () => {
    assert.equal(formatNumber(50), '50');
    assert.equal(formatNumber(49.99999999), '50');
    assert.equal(formatNumber(50.0000001), '50');
    assert.equal(formatNumber(98.5), '98.50');
    assert.equal(formatNumber(1981.237), '1981.24');
  });
});
