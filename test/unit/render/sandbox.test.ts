import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { minimalEnv, resolveLimits, stderrExcerpt } from '../../../src/render/sandbox.js';

describe('render sandbox helpers', () => {
  it('keeps the first and last lines of long stderr and says how many were left out', () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n');
    const excerpt = stderrExcerpt(text, 20).split('\n');
    assert.equal(excerpt.length, 21);
    assert.equal(excerpt[0], 'line 1');
    assert.equal(excerpt[5], '... (30 lines left out)');
    assert.equal(excerpt.at(-1), 'line 50');
    assert.equal(stderrExcerpt('\n  error: x  \n\n'), '  error: x');
  });

  it('fills in default limits', () => {
    const defaults = {
      timeoutMs: 60_000,
      maxOutputBytes: 64 * 1024 * 1024,
      maxMemoryBytes: 1024 * 1024 * 1024,
      maxFiles: 20_000,
      maxReadBytes: 256 * 1024 * 1024,
    };
    assert.deepEqual(resolveLimits(undefined), defaults);
    assert.deepEqual(resolveLimits({ timeoutMs: 5, maxFiles: 3 }), {
      ...defaults,
      timeoutMs: 5,
      maxFiles: 3,
    });
  });

  it("gives tools an environment without proxies, kubeconfig or the caller's home", () => {
    const env = minimalEnv('/tmp/work', { HELM_CACHE_HOME: '/tmp/work/helm' });
    assert.equal(env.HOME, '/tmp/work/home');
    assert.equal(env.HELM_CACHE_HOME, '/tmp/work/helm');
    for (const name of ['KUBECONFIG', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'GIT_SSH_COMMAND'])
      assert.equal(env[name], undefined, name);
  });
});
