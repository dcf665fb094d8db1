/** Loads the YAML fixtures of test/unit/health/fixtures and runs table-driven health cases against them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseAllDocuments } from 'yaml';

import { isRecord, type KubeObject } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { assessHealth } from '../../../src/health/index.js';
import type { HealthStatus } from '../../../src/health/types.js';

const fixtureDir = join(packageRoot(), 'test', 'unit', 'health', 'fixtures');
const loaded = new Map<string, Map<string, KubeObject>>();

function isKubeObject(value: unknown): value is KubeObject {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}

/** The objects of one fixture file by metadata.name (names are unique within a file). */
export function fixtureFile(file: string): Map<string, KubeObject> {
  const cached = loaded.get(file);
  if (cached !== undefined) return cached;
  const objects = new Map<string, KubeObject>();
  for (const document of parseAllDocuments(readFileSync(join(fixtureDir, file), 'utf8'))) {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message ?? 'bad YAML'}`);
    const value: unknown = document.toJS();
    if (!isKubeObject(value)) throw new Error(`${file}: a document is not a Kubernetes object`);
    if (objects.has(value.metadata.name)) throw new Error(`${file}: duplicate name ${value.metadata.name}`);
    objects.set(value.metadata.name, value);
  }
  loaded.set(file, objects);
  return objects;
}

/** Every fixture file name. */
export function fixtureFiles(): string[] {
  return readdirSync(fixtureDir)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

/** One object of a fixture file; a typo in a test fails loudly. */
export function fixture(file: string, name: string): KubeObject {
  const obj = fixtureFile(file).get(name);
  if (obj === undefined) throw new Error(`${file} has no object named ${name}`);
  return obj;
}

/** Pods from pods.yaml, in the given order. */
export function pods(...names: string[]): KubeObject[] {
  return names.map((name) => fixture('pods.yaml', name));
}

export interface HealthCase {
  /** The behaviour, as the test name. */
  it: string;
  /** Object name in the file. */
  object: string;
  /** Pod names from pods.yaml passed as context.pods. */
  pods?: string[];
  status: HealthStatus;
  /** The whole message, when it matters word for word. */
  message?: string;
  /** Parts the message must contain. */
  includes?: string[];
}

/** Registers one test per case: assess the fixture and compare status and message. */
export function runHealthCases(file: string, cases: readonly HealthCase[]): void {
  for (const testCase of cases) {
    it(testCase.it, () => {
      const context = testCase.pods === undefined ? {} : { pods: pods(...testCase.pods) };
      const result = assessHealth(fixture(file, testCase.object), context);
      assert.equal(result.status, testCase.status, `message was: ${result.message}`);
      if (testCase.message !== undefined) assert.equal(result.message, testCase.message);
      for (const part of testCase.includes ?? []) {
        assert.ok(result.message.includes(part), `message "${result.message}" lacks "${part}"`);
      }
    });
  }
}
