import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  dashboardLoginURL,
  DEFAULT_SERVICE_ACCOUNT,
  parseServiceAccount,
} from '../../../src/cli/commands/dashboard.js';
import { MooringError } from '../../../src/core/errors.js';
import { DEMO_NAMESPACE } from '../../../src/demo/apps.js';
import { DEMO_VIEWER } from '../../../src/demo/dashboard.js';

describe('mooring dashboard: arguments', () => {
  it('reads NAMESPACE/NAME, and NAME in the default namespace', () => {
    assert.deepEqual(parseServiceAccount('team-a/viewer', 'x'), { namespace: 'team-a', name: 'viewer' });
    assert.deepEqual(parseServiceAccount('viewer', 'mooring-demo'), {
      namespace: 'mooring-demo',
      name: 'viewer',
    });
    // The default is the account `mooring demo` creates.
    assert.deepEqual(parseServiceAccount(DEFAULT_SERVICE_ACCOUNT, 'x'), {
      namespace: DEMO_NAMESPACE,
      name: DEMO_VIEWER,
    });
  });
  it('refuses anything that is not two DNS labels (no path tricks reach the API path)', () => {
    for (const bad of ['a/b/c', '../x', 'a/..', 'A/b', 'a/', '/b', 'a/b%2Fc', 'a b/c', ''])
      assert.throws(
        () => parseServiceAccount(bad, 'ns'),
        (e: unknown) => e instanceof MooringError && e.code === 'INVALID_ARGUMENT',
        bad,
      );
  });
  it('puts the token in the fragment of the server origin only', () => {
    assert.equal(
      dashboardLoginURL('http://127.0.0.1:8080', 'abc.def-ghi'),
      'http://127.0.0.1:8080/#token=abc.def-ghi',
    );
    assert.equal(dashboardLoginURL('https://m.example.com/', 'a_b'), 'https://m.example.com/#token=a_b');
    // Only what the page's #token= accepts: nothing that could carry more into the fragment.
    assert.throws(() => dashboardLoginURL('https://m.example.com', 'a&b=c'), MooringError);
    assert.throws(() => dashboardLoginURL('https://m.example.com/path', 't'), MooringError);
    assert.throws(() => dashboardLoginURL('file:///etc/passwd', 't'), MooringError);
  });
});
