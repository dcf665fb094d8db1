/**
 * Family rules against fixtures that state their own expectation: every object in fixtures/families/*.yaml
 * carries `test.mooring.dev/it` (the behaviour), `test.mooring.dev/health` (the expected status) and
 * optionally `test.mooring.dev/message` (a part the message must contain).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { assessHealth } from '../../../src/health/index.js';
import { fixtureFile } from './fixtures.js';

const familyDir = join(packageRoot(), 'test', 'unit', 'health', 'fixtures', 'families');
const files = readdirSync(familyDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

describe('family health rules', () => {
  it('has fixtures to run', () => {
    assert.ok(files.length >= 5, `only ${files.length} family fixture files`);
  });
  for (const file of files) {
    describe(file, () => {
      for (const obj of fixtureFile(join('families', file)).values()) {
        const annotations = obj.metadata.annotations ?? {};
        const behaviour = annotations['test.mooring.dev/it'];
        const expected = annotations['test.mooring.dev/health'];
        it(`${obj.kind} ${obj.metadata.name}: ${behaviour ?? '(no test.mooring.dev/it)'}`, () => {
          assert.ok(behaviour !== undefined && expected !== undefined, 'fixture lacks its expectation');
          const result = assessHealth(obj);
          assert.equal(result.status, expected, `message was: ${result.message}`);
          const part = annotations['test.mooring.dev/message'];
          if (part !== undefined)
            assert.ok(result.message.includes(part), `"${result.message}" lacks "${part}"`);
        });
      }
    });
  }
});
