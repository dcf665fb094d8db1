import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { signBody, WEBHOOK_PATH } from '../../../src/controller/webhook/index.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster } from '../../helpers/kube.js';
import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { call, serviceAccountWith } from './helpers.js';

const SECRET = 'controller-http-test-secret';

/** A port nothing listens on right now (the controller binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

describe('mooring controller --http-port', () => {
  it('serves readiness, the API fed by its own watch, refresh and the webhook receiver on one port', async (t) => {
    const h = await controllerHarness(t, { startController: false });
    const name = h.uniqueName('http');
    const first = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    // Polled hourly: only a refresh or a webhook makes it look at Git again within the test.
    await h.createApp(name, { interval: '1h' });
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'dist', 'src', 'cli', 'main.js'),
        'controller',
        '-n',
        h.appNamespace,
        '--app-namespace',
        h.appNamespace,
        '--kubeconfig',
        testCluster().kubeconfigPath,
        '--no-leader-elect',
        '--allow-file-repos',
        '--http-port',
        String(port),
        '--http-host',
        '127.0.0.1',
        '--cache-dir',
        h.cacheDir,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore', env: { ...process.env, MOORING_WEBHOOK_SECRET: SECRET } },
    );
    t.after(() => child.kill('SIGKILL'));
    const base = `http://127.0.0.1:${port}`;
    await h.waitFor('/readyz to answer 200', async () => {
      const answer = await fetch(`${base}/readyz`).catch(() => undefined);
      return answer?.status === 200 ? true : undefined;
    });
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
