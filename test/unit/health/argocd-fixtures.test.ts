/**
 * Mooring's health rules against Argo CD's own expectations on its public fixtures (Apache-2.0, copied
 * into test/fixtures/health/argocd with their health_test.yaml). Disagreements are listed as diagnostics;
 * the agreement rate may not fall below what the rules reach today.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assessHealth } from '../../../src/health/index.js';
import { fixtureCases, measureAgreement } from './argocd-agreement.js';

/** The agreement reached when these fixtures were copied; raise it when the rules improve. */
const MINIMUM_AGREEMENT = 0.97;
const MINIMUM_CASES = 85;

describe('agreement with Argo CD on its health fixtures', () => {
  const cases = fixtureCases();

  it('loads every copied fixture that health_test.yaml names', () => {
    assert.ok(cases.length >= MINIMUM_CASES, `only ${cases.length} fixtures loaded`);
    for (const testCase of cases) assert.equal(typeof testCase.object.kind, 'string', testCase.name);
  });

  it(`agrees with Argo CD on at least ${MINIMUM_AGREEMENT * 100}% of the fixtures`, (t) => {
    const agreement = measureAgreement(cases, (obj) => assessHealth(obj));
    t.diagnostic(`agreement ${agreement.agreed}/${agreement.total} = ${(agreement.rate * 100).toFixed(1)}%`);
    for (const [kind, [agreed, total]] of agreement.byKind) t.diagnostic(`  ${kind}: ${agreed}/${total}`);
    for (const miss of agreement.disagreements)
      t.diagnostic(
        `  differs: ${miss.name}: Argo CD ${miss.expected}, Mooring ${miss.actual} (${miss.message})`,
      );
    assert.ok(
      agreement.rate >= MINIMUM_AGREEMENT,
      `agreement fell to ${(agreement.rate * 100).toFixed(1)}% (minimum ${MINIMUM_AGREEMENT * 100}%)`,
    );
  });
});
