/**
 * OIDC sign-in on the dashboard in a real browser (Debian's chromium) against the real API on the local
 * cluster and a local issuer (test/helpers/oidc-issuer.ts): the login page offers "Sign in with OIDC" only
 * when the API is configured for it, the browser runs the authorization code flow with PKCE (S256) against
 * the issuer, exchanges the code itself (the page's CSP allows that one origin), and the API verifies the
 * ID token and authorises the mapped `oidc:` user with the cluster's RBAC: the list shows its app.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { dashboardPlugin } from '../../../src/api/dashboard.js';
import { ApplicationIndex } from '../../../src/api/index/app-index.js';
import { watchApplications } from '../../../src/api/index/watch.js';
import { buildHttpServer } from '../../../src/api/serve.js';
import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { connect } from '../../../src/kube/connect.js';
import { launchBrowser } from '../../helpers/browser.js';
import { testCluster, testNamespace } from '../../helpers/kube.js';
import { startLocalIssuer } from '../../helpers/oidc-issuer.js';
import { bindRole } from '../api/helpers.js';
import { applyCrds, RecordingLogger } from '../controller/harness.js';

const CLIENT_ID = 'mooring-dashboard';

describe('dashboard: OIDC sign-in in a real browser', () => {
  it('signs in with the authorization code flow and PKCE, and the API authorises the oidc: user by RBAC', async (t) => {
    await applyCrds();
    const namespace = await testNamespace(t);
    const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      objects.client.close();
    });
    await objects.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'Application',
      metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: 'https://git.example.com/org/config.git', ref: { branch: 'main' }, path: 'web' },
        destination: { namespace },
        suspend: true,
      },
    });
    await bindRole(objects, namespace, 'dana', ['get', 'list', 'watch'], { kind: 'User', name: 'oidc:dana' });

    let base = '';
    const idp = await startLocalIssuer({
      clientId: CLIENT_ID,
      redirectUri: () => `${base}/`,
      subject: 'dana',
    });
    t.after(() => idp.close());
    const logger = new RecordingLogger();
    const index = new ApplicationIndex();
    const watch = await watchApplications(objects, index, [namespace], logger);
    index.markSynced();
    const server = await buildHttpServer({
      objects,
      index,
      logger,
      oidc: { issuer: idp.issuer, clientId: CLIENT_ID },
      plugins: [dashboardPlugin()],
    });
    base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
    t.after(async () => {
      watch.stop();
      await server.close();
    });

    // Public settings only; the page may reach the issuer's token endpoint and nothing else outside.
    const config = (await (await fetch(`${base}/api/auth/config`)).json()) as Record<string, unknown>;
    assert.deepEqual(config, {
      oidc: {
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        authorizationEndpoint: `${idp.issuer}/authorize`,
        tokenEndpoint: `${idp.issuer}/token`,
        scopes: ['openid', 'profile', 'email', 'groups'],
      },
    });
    const csp = (await fetch(`${base}/`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, new RegExp(`connect-src 'self' ${idp.issuer.replace(/[.]/g, '\\.')};`));

    const browser = await launchBrowser(t);
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Sign in with OIDC' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    await page.locator(`[data-app="${namespace}/web"]`).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the code and state are gone from the address bar');

    // The documented requests: S256 challenge at /authorize, the matching verifier at /token.
    assert.equal(idp.authorizeRequests.length, 1);
    const authorize = idp.authorizeRequests[0] ?? {};
    assert.equal(authorize.response_type, 'code');
    assert.equal(authorize.code_challenge_method, 'S256');
    assert.equal(authorize.redirect_uri, `${base}/`);
    assert.equal(idp.tokenRequests.length, 1);
    const exchange = idp.tokenRequests[0] ?? {};
    assert.equal(exchange.grant_type, 'authorization_code');
    assert.equal(exchange.client_id, CLIENT_ID);
    assert.equal(
      createHash('sha256')
        .update(exchange.code_verifier ?? '')
        .digest('base64url'),
      authorize.code_challenge,
    );
    assert.ok(!('client_secret' in exchange), 'a public client: no secret');

    // The token the page keeps is the issuer's ID token, which the API accepts as oidc:dana.
    const stored = await page.evaluate<string | null>("sessionStorage.getItem('mooring.token')");
    assert.ok(stored !== null);
    const list = await fetch(`${base}/api/v1/applications`, {
      headers: { authorization: `Bearer ${stored}` },
    });
    assert.equal(list.status, 200);

    // A replayed answer (same code, no pending sign-in in this tab) is refused with a message.
    const replay = await browser.newPage();
    await replay.goto(`${base}/?code=stolen&state=guess`);
    assert.match(await replay.getByRole('alert').innerText(), /not started from this tab/);
    assert.equal(idp.tokenRequests.length, 1, 'nothing sent to the issuer');
  });

  it('offers only the token login when the API has no OIDC', async (t) => {
    const objects = connect({ kubeconfig: testCluster().kubeconfigPath });
    t.after(() => {
      objects.client.close();
    });
    const server = await buildHttpServer({
      objects,
      index: new ApplicationIndex(),
      logger: new RecordingLogger(),
      plugins: [dashboardPlugin()],
    });
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    assert.deepEqual(await (await fetch(`${base}/api/auth/config`)).json(), {});
    const browser = await launchBrowser(t);
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    // The page has the API's answer (it says so) before we look for what it does not offer.
    await page.locator('[data-login-methods="token"]').waitFor();
    await page.getByLabel('Kubernetes token').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in with OIDC' }).count(), 0);
  });
});
