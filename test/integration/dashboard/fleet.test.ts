/**
 * The Clusters and Projects pages in a real browser (Debian's chromium) against the real API on the local
 * cluster: reached from the navigation by keyboard, their tables show the controller's clusters and
 * Projects with app counts, each count links to the Applications list filtered by it (the list says how
 * many apps match in all), and a user whose Role does not cover Projects sees the API's refusal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { launchBrowser } from '../../helpers/browser.js';
import { serviceAccountToken } from '../api/detail-harness.js';
import { controllerHarness, kubectl } from '../controller/harness.js';
import { dashboardServer } from './harness.js';

const SHOTS = process.env.MOORING_SCREENSHOTS;

async function login(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Kubernetes token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Applications' }).waitFor();
}

/** Follows a link the way a keyboard user does: focus it, press Enter. */
async function followByKeyboard(page: Page, name: string): Promise<void> {
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
  await link.focus();
  await page.keyboard.press('Enter');
}

describe('dashboard: clusters and projects pages in a real browser', () => {
  it('shows clusters and Projects with their apps, links to the list filtered by them with its total, and shows a refusal', async (t) => {
    const h = await controllerHarness(t);
    const base = await dashboardServer(t, h);
    const browser = await launchBrowser(t);
    const ns = h.appNamespace;
    const token = await serviceAccountToken(ns, 'viewer', ['get', 'list', 'watch']);
    await kubectl([
      '-n',
      ns,
      'create',
      'role',
      'projects',
      '--verb=get,list',
      '--resource=projects.mooring.dev',
    ]);
    await kubectl([
      '-n',
      ns,
      'create',
      'rolebinding',
      'projects',
      '--role=projects',
      `--serviceaccount=${ns}:viewer`,
    ]);
    const plainToken = await serviceAccountToken(ns, 'plain', ['get', 'list', 'watch']);
    const apps = ['alpha', 'beta', 'gamma'].map((n) => h.uniqueName(n));
    for (const name of apps) await h.createApp(name, { interval: '1h' });

    const page = await browser.newPage();
    await login(page, base, token);
    await page.getByTestId('app-count').getByText('3 apps').waitFor();

    await followByKeyboard(page, 'Clusters');
    await page.getByRole('heading', { name: 'Clusters' }).waitFor();
    const inCluster = page.locator('[data-cluster="in-cluster"]');
    await inCluster.waitFor();
    assert.match(await inCluster.innerText(), /Reachable/);
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Clusters' })
        .getAttribute('aria-current'),
      'page',
    );
    await inCluster.getByRole('link', { name: '3 apps' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    assert.equal(
      await page.getByRole('textbox', { name: 'Cluster', exact: true }).inputValue(),
      'in-cluster',
    );
    await page.getByTestId('app-count').getByText('3 apps').waitFor();

    // Filtering to nothing: the count follows the API's total.
    await page.getByRole('textbox', { name: 'Cluster', exact: true }).fill('nowhere');
    await page.getByTestId('app-count').getByText('0 apps').waitFor();
    if (SHOTS !== undefined) {
      await followByKeyboard(page, 'Clusters');
      await inCluster.waitFor();
      await page.screenshot({ path: join(SHOTS, 'dashboard-clusters.png') });
    }

    await followByKeyboard(page, 'Projects');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    const project = page.locator('[data-project="default"]');
    await project.waitFor();
    assert.match(await project.innerText(), /in-cluster \/ /);
    if (SHOTS !== undefined) await page.screenshot({ path: join(SHOTS, 'dashboard-projects.png') });
    await project.getByRole('link', { name: '3 apps' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Project', exact: true }).inputValue(), 'default');
    for (const name of apps) await page.locator(`[data-app="${ns}/${name}"]`).waitFor();

    // Without a Role on Projects: the page says what the API refused and what to ask for.
    const other = await browser.newPage();
    await login(other, base, plainToken);
    await followByKeyboard(other, 'Projects');
    const alert = other.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /may not list projects\.mooring\.dev/);
    assert.equal(await other.locator('[data-project]').count(), 0);
  });
});
