import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { canonicalJson, templateHash } from '../../../src/delivery/hold.js';
import { stableRunsTemplate } from '../../../src/delivery/runner.js';

const oldTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'web:1' }] },
};
const newTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'web:2' }] },
};

describe('a promotion is done only when the stable runs the promoted template', () => {
  it('accepts the annotation the promotion sync wrote (key order does not matter)', () => {
    const reordered = JSON.stringify({ spec: newTemplate.spec, metadata: newTemplate.metadata });
    assert.equal(stableRunsTemplate(canonicalJson(newTemplate), templateHash(newTemplate)), true);
    assert.equal(stableRunsTemplate(reordered, templateHash(newTemplate)), true);
  });

  it('refuses the old template: the promotion sync failed or has not been applied yet', () => {
    assert.equal(stableRunsTemplate(canonicalJson(oldTemplate), templateHash(newTemplate)), false);
  });

  it('refuses a missing or unreadable annotation', () => {
    assert.equal(stableRunsTemplate(undefined, templateHash(newTemplate)), false);
    assert.equal(stableRunsTemplate('{not json', templateHash(newTemplate)), false);
  });
});
