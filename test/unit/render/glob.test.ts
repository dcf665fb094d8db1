import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { matchesGlob, selectedByGlobs } from '../../../src/render/glob.js';

describe('glob matching', () => {
  it('matches * within one folder and ** across folders', () => {
    assert.equal(matchesGlob('sub/a.yaml', 'sub/*.yaml'), true);
    assert.equal(matchesGlob('sub/deeper/a.yaml', 'sub/*.yaml'), false);
    assert.equal(matchesGlob('sub/deeper/a.yaml', 'sub/**/*.yaml'), true);
    assert.equal(matchesGlob('sub/a.yaml', 'sub/**/*.yaml'), true);
    assert.equal(matchesGlob('a.yaml', '**/*.yaml'), true);
    assert.equal(matchesGlob('x/y/z.json', 'x/**'), true);
    assert.equal(matchesGlob('xy/z.json', 'x/**'), false);
  });

  it('matches a pattern without a slash against the file name at any depth', () => {
    assert.equal(matchesGlob('a/b/c.test.yaml', '*.test.yaml'), true);
    assert.equal(matchesGlob('a/b/c.yaml', '*.test.yaml'), false);
    assert.equal(matchesGlob('kustomization.yaml', 'kustomization.yaml'), true);
  });

  it('supports ?, character classes and alternatives, and treats dots literally', () => {
    assert.equal(matchesGlob('env-1/a.yaml', 'env-?/a.yaml'), true);
    assert.equal(matchesGlob('env-12/a.yaml', 'env-?/a.yaml'), false);
    assert.equal(matchesGlob('v1/a.yaml', 'v[0-9]/a.yaml'), true);
    assert.equal(matchesGlob('vx/a.yaml', 'v[!0-9]/a.yaml'), true);
    assert.equal(matchesGlob('a.json', '*.{yaml,json}'), true);
    assert.equal(matchesGlob('a.yml', '*.{yaml,json}'), false);
    assert.equal(matchesGlob('axyaml', 'a.yaml'), false);
    assert.equal(matchesGlob('config/a.yaml', './config/*.yaml'), true);
  });

  it('selects by include (any) then exclude (none)', () => {
    assert.equal(selectedByGlobs('a.yaml', undefined, undefined), true);
    assert.equal(selectedByGlobs('a.yaml', [], ['*.json']), true);
    assert.equal(selectedByGlobs('prod/a.yaml', ['prod/**', 'base/**'], ['*.secret.yaml']), true);
    assert.equal(selectedByGlobs('prod/a.secret.yaml', ['prod/**'], ['*.secret.yaml']), false);
    assert.equal(selectedByGlobs('dev/a.yaml', ['prod/**'], undefined), false);
  });
});
