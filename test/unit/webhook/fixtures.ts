/** Loads the trimmed provider payloads of test/unit/webhook/fixtures. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { isRecord } from '../../../src/core/objects.js';
import { packageRoot } from '../../../src/core/package-root.js';

const fixtureDir = join(packageRoot(), 'test', 'unit', 'webhook', 'fixtures');

/** A fresh copy of one fixture payload, safe to change in a test. */
export function payload(name: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8'));
  if (!isRecord(parsed)) throw new Error(`fixture ${name} is not an object`);
  return parsed;
}

/** The fixture's raw text, as a provider would send it. */
export function rawPayload(name: string): string {
  return readFileSync(join(fixtureDir, `${name}.json`), 'utf8');
}

/** `count` GitHub-style commits, each modifying one file under `folder`. */
export function commitsTouching(folder: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    id: index.toString(16).padStart(40, 'a'),
    added: [],
    removed: [],
    modified: [`${folder}/file-${index}.yaml`],
  }));
}
