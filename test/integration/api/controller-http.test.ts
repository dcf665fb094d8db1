import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { signBody, WEBHOOK_PATH } from '../../../src/controller/webhook/index.js';
import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { call, serviceAccountWith } from './helpers.js';
import { servedController } from './served-controller.js';

const SECRET = 'controller-http-test-secret';

describe('mooring controller --http-port', () => {
  it('serves readiness, the API fed by its own watch, refresh and the webhook receiver on one port', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const name = h.uniqueName('http');
    const first = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    // Polled hourly: only a refresh or a webhook makes it look at Git again within the test.
    await h.createApp(name, { interval: '1h' });
    const base = await servedController(t, h, { MOORING_WEBHOOK_SECRET: SECRET });
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    await h.waitForApp(name, 'Ready at the first commit', readyAt(first), 30_000);

    const operator = await serviceAccountWith(h.observer, h.appNamespace, 'operator', [
      'get',
      'list',
      'patch',
    ]);
    const api = { url: base } as Parameters<typeof call>[0];
    const listed = await call(api, 'GET', `/api/v1/applications?text=${name}`, operator.token);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const items = listed.body.items as { name: string; health: string }[];
    assert.deepEqual(
      items.map((i) => i.name),
      [name],
    );

    const second = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'green' })] });
    const refreshed = await call(
      api,
      'POST',
      `/api/v1/applications/${h.appNamespace}/${name}/refresh`,
      operator.token,
    );
    assert.equal(refreshed.status, 202, JSON.stringify(refreshed.body));
    await h.waitForApp(name, 'Ready at the second commit after refresh', readyAt(second), 30_000);

    const third = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'red' })] });
    const body = JSON.stringify({ repoURL: h.repoURL, branch: 'main' });
    const delivery = await fetch(`${base}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mooring-signature': signBody(SECRET, body) },
      body,
    });
    assert.equal(delivery.status, 202);
    assert.deepEqual(((await delivery.json()) as { refreshed: string[] }).refreshed, [name]);
    await h.waitForApp(name, 'Ready at the third commit after the webhook', readyAt(third), 30_000);
  });
});
