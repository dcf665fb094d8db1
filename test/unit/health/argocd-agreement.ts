/**
 * Runs a health function over the Argo CD fixtures copied into test/fixtures/health/argocd (one folder per
 * `group/Kind`, each with Argo CD's health_test.yaml and its testdata) and counts how often the verdict
 * agrees with the status Argo CD expects.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';

import { isRecord, type KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import type { HealthResult } from '../../../src/health/types.js';

export const ARGOCD_FIXTURES = join(packageRoot(), 'test', 'fixtures', 'health', 'argocd');

export interface FixtureCase {
  /** `group/Kind/testdata/file.yaml`. */
  name: string;
  expected: string;
  object: KubeObject;
}

export interface Disagreement {
  name: string;
  expected: string;
  actual: string;
  message: string;
}

export interface Agreement {
  total: number;
  agreed: number;
  rate: number;
  disagreements: Disagreement[];
  /** Per `group/Kind`: [agreed, total]. */
  byKind: Map<string, [number, number]>;
}

function healthTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...healthTests(path));
    else if (entry === 'health_test.yaml') found.push(path);
  }
  return found.sort();
}

/** Every case of every copied health_test.yaml, with its input object loaded. */
export function fixtureCases(root = ARGOCD_FIXTURES): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const testFile of healthTests(root)) {
    const parsed: unknown = parse(readFileSync(testFile, 'utf8'));
    const tests = isRecord(parsed) && Array.isArray(parsed.tests) ? parsed.tests : [];
    for (const test of tests) {
      if (!isRecord(test) || typeof test.inputPath !== 'string' || !isRecord(test.healthStatus)) continue;
      const expected = test.healthStatus.status;
      if (typeof expected !== 'string') continue;
      const inputFile = join(dirname(testFile), test.inputPath);
      const object = parse(readFileSync(inputFile, 'utf8')) as KubeObject;
      cases.push({ name: relative(root, inputFile), expected, object });
    }
  }
  return cases;
}

/** Agreement of `assess` with Argo CD's expected statuses over `cases`. */
export function measureAgreement(
  cases: readonly FixtureCase[],
  assess: (obj: KubeObject) => HealthResult,
): Agreement {
  const disagreements: Disagreement[] = [];
  const byKind = new Map<string, [number, number]>();
  for (const testCase of cases) {
    const result = assess(testCase.object);
    const kind = testCase.name.split('/testdata/')[0] ?? testCase.name;
    const counts = byKind.get(kind) ?? [0, 0];
    counts[1] += 1;
    if (result.status === testCase.expected) counts[0] += 1;
    else
      disagreements.push({
        name: testCase.name,
        expected: testCase.expected,
        actual: result.status,
        message: result.message,
      });
    byKind.set(kind, counts);
  }
  const total = cases.length;
  const agreed = total - disagreements.length;
  return { total, agreed, rate: total === 0 ? 0 : agreed / total, disagreements, byKind };
}
