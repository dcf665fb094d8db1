/**
 * Judging one analysis check from the values Prometheus returned. Pure.
 * - below minSampleSize canary requests (or no sample count at all) the check WAITS: too little traffic to
 *   tell, never a failure (the low-traffic guard);
 * - a metric without a value, or a Prometheus that did not answer, also waits: no promotion without evidence,
 *   no abort without it either; the status says why;
 * - a value outside its thresholdRange fails the check.
 */
import type { AnalysisMetric } from '../crd/delivery.js';

/** What Prometheus gave for one metric: a number, nothing (empty vector or NaN), or an error. */
export type MetricReading = { value: number } | { empty: true } | { error: string };

export interface MetricVerdict {
  name: string;
  value?: number;
  result: 'Passed' | 'Failed' | 'NoData' | 'LowTraffic';
  message?: string;
}

export interface CheckVerdict {
  /** pass: every metric in range; fail: at least one outside; wait: not enough to judge. */
  kind: 'pass' | 'fail' | 'wait';
  metrics: MetricVerdict[];
  message: string;
}

export function evaluateCheck(
  metrics: readonly AnalysisMetric[],
  readings: ReadonlyMap<string, MetricReading>,
  samples: MetricReading,
  minSampleSize: number,
): CheckVerdict {
  if ('error' in samples)
    return {
      kind: 'wait',
      metrics: metrics.map((m) => ({ name: m.name, result: 'NoData', message: samples.error })),
      message: `metrics unavailable, not promoting: ${samples.error}`,
    };
  const count = 'value' in samples && Number.isFinite(samples.value) ? samples.value : 0;
  if (count < minSampleSize)
    return {
      kind: 'wait',
      metrics: metrics.map((m) => ({ name: m.name, result: 'LowTraffic' })),
      message: `waiting for traffic: ${formatNumber(count)} canary requests in the interval, ${formatNumber(minSampleSize)} needed`,
    };
  const verdicts = metrics.map((m) => judge(m, readings.get(m.name)));
  const failed = verdicts.filter((v) => v.result === 'Failed');
  if (failed.length > 0)
    return {
      kind: 'fail',
      metrics: verdicts,
      message: `analysis failed: ${failed.map((v) => `${v.name} ${v.message ?? ''}`.trim()).join('; ')}`,
    };
  const missing = verdicts.filter((v) => v.result === 'NoData');
  if (missing.length > 0)
    return {
      kind: 'wait',
      metrics: verdicts,
      message: `no data for ${missing.map((v) => v.name).join(', ')}: ${missing[0]?.message ?? ''}`.trim(),
    };
  return {
    kind: 'pass',
    metrics: verdicts,
    message: `analysis passed (${formatNumber(count)} requests): ${verdicts.map((v) => `${v.name}=${formatNumber(v.value ?? 0)}`).join(', ')}`,
  };
}

function judge(metric: AnalysisMetric, reading: MetricReading | undefined): MetricVerdict {
  if (reading === undefined) return { name: metric.name, result: 'NoData', message: 'not queried' };
  if ('error' in reading) return { name: metric.name, result: 'NoData', message: reading.error };
  if ('empty' in reading || !Number.isFinite(reading.value))
    return { name: metric.name, result: 'NoData', message: 'the query returned no value' };
  const { value } = reading;
  const { min, max } = metric.thresholdRange;
  if (min !== undefined && value < min)
    return {
      name: metric.name,
      value,
      result: 'Failed',
      message: `${formatNumber(value)} < min ${formatNumber(min)}`,
    };
  if (max !== undefined && value > max)
    return {
      name: metric.name,
      value,
      result: 'Failed',
      message: `${formatNumber(value)} > max ${formatNumber(max)}`,
    };
  return { name: metric.name, value, result: 'Passed' };
}

export function formatNumber(n: number): string {
  // Rounded first: Prometheus' extrapolation leaves ratios a hair off (49.9999999 is shown as 50, not 50.00).
  const rounded = Math.round(n * 100) / 100;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(2);
}
