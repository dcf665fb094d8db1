/**
 * `mooring dashboard` (the built CLI) against the real cluster: it prints a URL of the server with a fresh
 * TokenRequest token of the named ServiceAccount in the fragment, and that URL opened in Chromium lands
 * in the list logged in as that account; an unknown account is a NOT_FOUND with a hint, not a URL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { launchBrowser } from '../../helpers/browser.js';
import { testCluster } from '../../helpers/kube.js';
import { serviceAccountToken } from '../api/detail-harness.js';
import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { mooringCli } from '../install/harness.js';
import { dashboardServer } from './harness.js';

describe('mooring dashboard', () => {
  it('prints a login URL with a short-lived token of the named ServiceAccount that opens the list', async (t) => {
    const h = await controllerHarness(t);
    const base = await dashboardServer(t, h);
    // Creates the account and its rights (the token it answers is not used: the CLI asks for its own).
    await serviceAccountToken(h.appNamespace, 'watcher', ['get', 'list', 'watch']);
    const commit = await h.publish({ 'settings.yaml': [configMap('settings', { a: '1' })] });
    const name = h.uniqueName('cli');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'synced', readyAt(commit), 60_000);

    const kubeconfig = testCluster().kubeconfigPath;
    const { stdout } = await mooringCli([
      'dashboard',
      '--server',
      base,
      '--service-account',
      `${h.appNamespace}/watcher`,
      '--duration',
      '10m',
      '--kubeconfig',
      kubeconfig,
    ]);
    const url = stdout.trim();
    const match = /^(http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9._-]+)$/.exec(url);
    assert.ok(match, url.slice(0, 60));
    assert.equal(match[1], base);
    // The token is the account's, and short-lived (TokenRequest: exp - iat is what was asked).
    const claims = JSON.parse(Buffer.from(match[2]?.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      exp: number;
      iat: number;
    };
    assert.equal(claims.sub, `system:serviceaccount:${h.appNamespace}:watcher`);
    assert.equal(claims.exp - claims.iat, 600);

    const browser = await launchBrowser(t);
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    await page.locator(`[data-app="${h.appNamespace}/${name}"]`).waitFor();
    assert.equal(new URL(page.url()).hash, '#/');
    await browser.close();

    await assert.rejects(
      mooringCli([
        'dashboard',
        '--server',
        base,
        '--service-account',
        `${h.appNamespace}/nobody`,
        '--kubeconfig',
        kubeconfig,
      ]),
      /ServiceAccount\/.*\/nobody does not exist[\s\S]*--service-account/,
    );
  });
});
