import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DASHBOARD_HEADERS, dashboardHeaders } from '../../../src/api/dashboard.js';

describe('the dashboard page policy with OIDC login', () => {
  it('adds only the token endpoint origin to connect-src, nothing else', () => {
    assert.deepEqual(dashboardHeaders(undefined), DASHBOARD_HEADERS);
    const csp = dashboardHeaders('https://login.example.com:8443/oauth2/token?x=1')[
      'content-security-policy'
    ];
    assert.match(csp ?? '', /connect-src 'self' https:\/\/login\.example\.com:8443; /);
    assert.match(csp ?? '', /script-src 'self';/);
    assert.doesNotMatch(csp ?? '', /oauth2|x=1/);
  });
});
