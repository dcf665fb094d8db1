/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real API on the
 * local cluster, served as `mooring controller` serves it: login with a ServiceAccount token, the list
 * with its apps and a filter answered by the API, a `kubectl scale` drift arriving live in the list and
 * named with its manager on the app page, a sync clicked in the page applied by the controller and
 * recorded with the user's name, a refresh that picks up a new commit and the diff between the two history
 * entries chosen in the page, and no sync button for a user who may not patch.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { MOORING_API_VERSION } from '../../../src/controller/app-types.js';
import { launchBrowser } from '../../helpers/browser.js';
import { serviceAccountToken } from '../api/detail-harness.js';
import { configMap, controllerHarness, deployment, kubectl, readyAt } from '../controller/harness.js';
import { dashboardServer } from './harness.js';

async function login(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Kubernetes token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Applications' }).waitFor();
}

/** MOORING_SCREENSHOTS=docs: the test also saves the pages it sees (the README's pictures). */
const SHOTS = process.env.MOORING_SCREENSHOTS;

const replicas = async (namespace: string): Promise<number> =>
  Number(await kubectl(['-n', namespace, 'get', 'deployment/web', '-o', 'jsonpath={.spec.replicas}']));

describe('dashboard in a real browser (real API, real cluster)', () => {
  it('lists the apps, filters through the API, shows a kubectl-scale drift live and with its manager, applies a sync clicked in the page, and diffs two history entries after a refresh', async (t) => {
    const h = await controllerHarness(t);
    const base = await dashboardServer(t, h);
    const browser = await launchBrowser(t);
    const token = await serviceAccountToken(h.appNamespace, 'operator', ['get', 'list', 'watch', 'patch']);
    const commit = await h.publish({ 'web.yaml': [deployment('web', 1), configMap('settings', { a: '1' })] });
    const shop = h.uniqueName('shop');
    const blog = h.uniqueName('blog');
    // warn: the drift stays in place (reported, not corrected) until someone syncs.
    await h.createApp(shop, { interval: '1h', syncPolicy: { driftMode: 'warn' } });
    await h.createApp(blog, { interval: '1h', syncPolicy: { driftMode: 'warn' } }, 'other');
    await h.waitForApp(shop, 'synced', readyAt(commit), 60_000);

    // The page is served with a CSP that allows only this origin.
    const index = await fetch(`${base}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal((await fetch(`${base}/assets/..%2F..%2Fpackage.json`)).status, 404);

    const page = await browser.newPage();
    await login(page, base, token);
    const shopRow = page.locator(`[data-app="${h.appNamespace}/${shop}"]`);
    const blogRow = page.locator(`[data-app="${h.appNamespace}/${blog}"]`);
    await shopRow.waitFor();
    await blogRow.waitFor();
    assert.match(await shopRow.innerText(), /Synced/);
    assert.match(await shopRow.innerText(), new RegExp(commit.slice(0, 8)));

    // Search is the API's: the other row goes away.
    await page.getByLabel('Search').fill(shop);
    await blogRow.waitFor({ state: 'detached' });
    assert.equal(await shopRow.count(), 1);
    await page.getByLabel('Search').fill('');
    await blogRow.waitFor();

    // A drift made with kubectl scale arrives in the list over the stream, without a reload.
    await page.locator('.live.on').waitFor();
    await kubectl(['-n', h.destNamespace, 'scale', 'deployment/web', '--replicas=3']);
    await shopRow.getByText('1 drifted').waitFor({ timeout: 60_000 });

    // The app page names the field and who changed it.
    await shopRow.getByRole('link', { name: shop }).click();
    await page.getByRole('heading', { name: shop }).waitFor();
    const drift = page.getByTestId('drift');
    await drift.waitFor();
    const driftText = await drift.innerText();
    assert.match(driftText, /Deployment\/web/);
    assert.match(driftText, /spec\.replicas/);
    assert.match(driftText, /changed by\s+kubectl/);
    await page.getByTestId('tree').locator('[data-kind="Deployment"][data-name="web"]').waitFor();
    await page.getByTestId('tree').locator('[data-kind="ReplicaSet"]').first().waitFor();
    assert.equal(await replicas(h.destNamespace), 3, 'warn mode left the drift in place');
    if (SHOTS !== undefined) {
      await page.screenshot({ path: join(SHOTS, 'dashboard-app.png'), fullPage: true });
      // And on a phone-sized screen.
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      const small = await phone.newPage();
      await small.goto(`${base}/#token=${token}`);
      await small.locator(`[data-app="${h.appNamespace}/${shop}"]`).waitFor();
      await small.screenshot({ path: join(SHOTS, 'dashboard-phone-list.png') });
      await small.goto(`${base}/#/apps/${h.appNamespace}/${shop}`);
      await small.getByTestId('drift').waitFor();
      await small.screenshot({ path: join(SHOTS, 'dashboard-phone-app.png'), fullPage: true });
      await phone.close();
    }

    // The diff against the target revision shows what a sync would put back.
    // Reached with the keyboard: arrow keys move between the tabs, Enter presses the button.
    await page.getByRole('tab', { name: 'Resources' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Diff' }).getAttribute('aria-selected'), 'true');
    await page.getByRole('button', { name: 'Live vs target' }).focus();
    await page.keyboard.press('Enter');
    const objectDiff = page.locator('.object-diff', { hasText: 'Deployment' });
    await objectDiff.waitFor({ timeout: 60_000 });
    assert.match(await objectDiff.innerText(), /-\s*replicas: 3[\s\S]*\+\s*replicas: 1/);
    if (SHOTS !== undefined)
      await page.screenshot({ path: join(SHOTS, 'dashboard-diff.png'), fullPage: true });
    await page.getByRole('tab', { name: 'Resources' }).click();

    // Sync from the page: a confirmation first, then the controller applies Git's replicas again.
    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page
      .getByRole('status')
      .getByText(/Sync requested by system:serviceaccount:/)
      .waitFor();
    await h.waitFor(
      'replicas back to Git',
      async () => ((await replicas(h.destNamespace)) === 1 ? true : undefined),
      60_000,
    );
    const record = await h.waitFor('a SyncRecord naming the user', async () => {
      const found = (await h.syncRecords(shop)).find(
        (r) =>
          (r.spec as { initiatedBy?: string }).initiatedBy ===
          `system:serviceaccount:${h.appNamespace}:operator`,
      );
      return found;
    });
    assert.ok(record);
    // The history tab shows it, live.
    await page.getByRole('tab', { name: 'History' }).click();
    await page
      .getByTestId('history')
      .getByText(`by system:serviceaccount:${h.appNamespace}:operator`)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('drift').waitFor({ state: 'detached', timeout: 30_000 });

    // A new commit, picked up by a Refresh clicked in the page (the app polls hourly), then the diff between
    // the two history entries, chosen in the page.
    const second = await h.publish({ 'web.yaml': [deployment('web', 1), configMap('settings', { a: '2' })] });
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await h.waitForApp(shop, 'synced at the second commit', readyAt(second), 60_000);
    const names = await h.waitFor('a SyncRecord of each commit', async () => {
      const records = await h.syncRecords(shop);
      const of = (sha: string) =>
        records.find((r) => (r.spec as { revision?: string }).revision === sha)?.metadata.name;
      const [a, b] = [of(commit), of(second)];
      return a !== undefined && b !== undefined ? { a, b } : undefined;
    });
    await page.getByRole('tab', { name: 'Diff' }).click();
    await page.locator(`select[name="from"] option[value="${names.b}"]`).waitFor({ state: 'attached' });
    await page.locator('select[name="from"]').selectOption(names.a);
    await page.locator('select[name="to"]').selectOption(names.b);
    await page.getByRole('button', { name: 'Compare' }).click();
    const changed = page.locator('.object-diff', { hasText: 'ConfigMap' });
    await changed.waitFor({ timeout: 60_000 });
    assert.match(
      await changed.innerText(),
      /changed ConfigMap\/[^\n]*settings[\s\S]*-\s*a: "1"[\s\S]*\+\s*a: "2"/,
    );
    assert.match(
      await page.getByText(/added, .* changed, .* removed/).innerText(),
      new RegExp(`${commit.slice(0, 8)} → ${second.slice(0, 8)}: 0 added, 1 changed, 0 removed`),
    );
    await browser.close();
  });

  it('shows no sync, refresh or rollback to a user who may not patch the app, and lets an operator suspend and resume it', async (t) => {
    const h = await controllerHarness(t);
    const base = await dashboardServer(t, h);
    const browser = await launchBrowser(t);
    const reader = await serviceAccountToken(h.appNamespace, 'reader', ['get', 'list', 'watch']);
    const operator = await serviceAccountToken(h.appNamespace, 'operator', ['get', 'list', 'watch', 'patch']);
    const commit = await h.publish({ 'settings.yaml': [configMap('settings', { a: '1' })] });
    const name = h.uniqueName('readonly');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'synced', readyAt(commit), 60_000);

    // Liveness first: the same page shows the buttons to an operator, so their absence below is the answer.
    const seen = async (
      token: string,
      how: 'form' | 'link',
    ): Promise<{ sync: number; refresh: number; rollback: number }> => {
      const context = await browser.newContext();
      const page = await context.newPage();
      if (how === 'form') await login(page, base, token);
      else {
        // A login link (`mooring demo` prints one): the token leaves the address bar at once.
        await page.goto(`${base}/#token=${token}`);
        await page.getByRole('heading', { name: 'Applications' }).waitFor();
        assert.equal(new URL(page.url()).hash, '#/');
      }
      await page.locator(`[data-app="${h.appNamespace}/${name}"]`).getByRole('link', { name }).click();
      await page.getByRole('heading', { name }).waitFor();
      // The history has arrived (rollback buttons go on its rows), and the access answer.
      await page.getByRole('tab', { name: 'History' }).click();
      await page.getByTestId('history').waitFor();
      await page.locator('[data-access="known"]').waitFor({ state: 'attached' });
      const counts = {
        sync: await page.getByRole('button', { name: 'Sync', exact: true }).count(),
        refresh: await page.getByRole('button', { name: 'Refresh', exact: true }).count(),
        rollback: await page.getByRole('button', { name: 'Roll back to this' }).count(),
      };
      await context.close();
      return counts;
    };
    const operatorSees = await seen(operator, 'form');
    assert.equal(operatorSees.sync, 1);
    assert.equal(operatorSees.refresh, 1);
    assert.ok(operatorSees.rollback >= 1);
    assert.deepEqual(await seen(reader, 'link'), { sync: 0, refresh: 0, rollback: 0 });
    // And the API refuses the action itself.
    const refused = await fetch(`${base}/api/v1/applications/${h.appNamespace}/${name}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refused.status, 403);

    // Suspend and resume, each behind the same confirmation as Sync: the operator suspends the app from its
    // page, spec.suspend turns true, the page offers Resume instead, and resuming clears it.
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, base, operator);
    await page.goto(`${base}/#/apps/${h.appNamespace}/${name}`);
    await page.getByRole('heading', { name }).waitFor();
    await page.getByRole('button', { name: 'Suspend', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page
      .getByRole('status')
      .getByText(/Suspend requested by system:serviceaccount:/)
      .waitFor();
    await h.waitFor('spec.suspend true', async () =>
      (await h.getApp(name)).spec.suspend === true ? true : undefined,
    );
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await h.waitFor('spec.suspend false', async () =>
      (await h.getApp(name)).spec.suspend === false ? true : undefined,
    );
    await page.getByRole('button', { name: 'Suspend', exact: true }).waitFor();
    await context.close();
    await browser.close();
  });

  it('shows an app of apps as a tree: a root managing two Applications, one of which manages a third', async (t) => {
    const h = await controllerHarness(t);
    const base = await dashboardServer(t, h);
    const browser = await launchBrowser(t);
    const token = await serviceAccountToken(h.appNamespace, 'viewer', ['get', 'list', 'watch']);
    const root = h.uniqueName('root');
    const a = h.uniqueName('child-a');
    const b = h.uniqueName('child-b');
    const c = h.uniqueName('grandchild');
    const application = (name: string, folder: string) => ({
      apiVersion: MOORING_API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: h.appNamespace },
      spec: {
        source: { repoURL: h.repoURL, ref: { branch: 'main' }, path: folder },
        destination: { namespace: h.destNamespace },
        interval: '1h',
      },
    });
    await h.publish({ 'apps.yaml': [application(a, 'a'), application(b, 'b')] }, 'root');
    await h.publish({ 'apps.yaml': [application(c, 'c')], 'a.yaml': [configMap('from-a', { x: '1' })] }, 'a');
    await h.publish({ 'b.yaml': [configMap('from-b', { x: '1' })] }, 'b');
    const commit = await h.publish({ 'c.yaml': [configMap('from-c', { x: '1' })] }, 'c');
    await h.createApp(root, { interval: '1h' }, 'root');
    await h.waitForApp(root, 'root synced', readyAt(commit), 60_000);
    await h.waitForApp(a, 'child-a synced', readyAt(commit), 60_000);

    const page = await browser.newPage();
    await login(page, base, token);
    await page.goto(`${base}/#/apps/${h.appNamespace}/${root}`);
    await page.getByRole('heading', { name: root }).waitFor();
    const tree = page.getByTestId('child-apps');
    const node = (name: string) => tree.locator(`[data-child-app="${h.appNamespace}/${name}"]`);
    // The grandchild sits under child-a, not beside it: the tree goes deeper than two levels.
    await node(a).locator(`[data-child-app="${h.appNamespace}/${c}"]`).waitFor();
    await node(b).waitFor();
    assert.equal(await node(b).locator('[data-child-app]').count(), 0);
    assert.match(await node(a).locator('.node').first().innerText(), /Synced/);
    // Collapsing child-a hides the grandchild; a link opens a child's own page.
    await page.getByRole('button', { name: `Collapse ${a}` }).click();
    await node(c).waitFor({ state: 'detached' });
    await node(b).getByRole('link', { name: b }).click();
    await page.getByRole('heading', { name: b }).waitFor();
    await browser.close();
  });
});
