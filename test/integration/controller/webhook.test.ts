import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { signBody, WEBHOOK_PATH } from '../../../src/controller/webhook/index.js';
import { configMap, configMapData, controllerHarness, readyAt, WEBHOOK_SECRET } from './harness.js';

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: response.status, body: await response.json() };
}

describe('controller: Git push webhooks', () => {
  it('applies a push announced by a signed webhook (the app polls hourly), and refuses a bad signature', async (t) => {
    const h = await controllerHarness(t, { webhook: true });
    await h.publish({ 'cm.yaml': [configMap('bystander', { count: '1' })] }, 'bystander');
    const first = await h.publish({ 'app.yaml': [configMap('hooked', { version: '1' })] });
    const name = h.uniqueName('hooked');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready at the first commit', readyAt(first));
    const address = h.controller?.webhookAddress;
    assert.ok(address !== undefined, 'the webhook receiver listens');
    const url = `${address}${WEBHOOK_PATH}`;

    const second = await h.publish({ 'app.yaml': [configMap('hooked', { version: '2' })] });
    const generic = JSON.stringify({
      repoURL: h.repoURL,
      branch: 'main',
      revision: second,
      paths: ['app/app.yaml'],
    });
    const startedAt = Date.now();
    const accepted = await post(url, generic, { 'x-mooring-signature': signBody(WEBHOOK_SECRET, generic) });
    assert.equal(accepted.status, 202);
    assert.deepEqual(accepted.body, { refreshed: [name] });
    // The app polls once an hour: only the webhook can have brought this commit.
    await h.waitForApp(name, 'Ready at the second commit', readyAt(second));
    assert.deepEqual(await configMapData(h, 'hooked'), { version: '2' });
    t.diagnostic(`generic webhook to applied: ${Date.now() - startedAt} ms`);
    const records = await h.syncRecords(name);
    assert.ok(
      records.some(
        (r) =>
          (r.spec as { trigger: string; revision: string }).trigger === 'webhook' &&
          (r.spec as { revision: string }).revision === second,
      ),
    );

    const third = await h.publish({ 'app.yaml': [configMap('hooked', { version: '3' })] });
    const github = JSON.stringify({
      ref: 'refs/heads/main',
      before: second,
      after: third,
      repository: { clone_url: h.repoURL, html_url: h.repoURL.replace(/\.git$/, '') },
      commits: [{ id: third, added: [], modified: ['app/app.yaml'], removed: [] }],
    });
    const forged = await post(url, github, {
      'x-github-event': 'push',
      'x-hub-signature-256': signBody('not-the-secret', github),
    });
    assert.equal(forged.status, 401);
    // Liveness first: an app created after the forged request has been synced, so the controller has
    // handled what came before it; a refresh queued by the forged request would have run by now.
    const bystander = h.uniqueName('bystander');
    await h.createApp(bystander, { interval: '1h' }, 'bystander');
    await h.waitForApp(bystander, 'the bystander Ready', readyAt(third));
    assert.deepEqual(await configMapData(h, 'hooked'), { version: '2' }, 'a refused webhook changes nothing');
    assert.equal((await h.getApp(name)).status?.sync?.revision, second);

    const signed = await post(url, github, {
      'x-github-event': 'push',
      'x-hub-signature-256': signBody(WEBHOOK_SECRET, github),
    });
    assert.equal(signed.status, 202);
    assert.deepEqual(signed.body, { refreshed: [name] });
    await h.waitForApp(name, 'Ready at the third commit', readyAt(third));
    assert.deepEqual(await configMapData(h, 'hooked'), { version: '3' });
  });

  it('does not refresh an app whose folder the push did not touch', async (t) => {
    const h = await controllerHarness(t, { webhook: true });
    const first = await h.publish({ 'app.yaml': [configMap('untouched', { version: '1' })] });
    const name = h.uniqueName('untouched');
    await h.createApp(name, { interval: '1h' });
    await h.waitForApp(name, 'Ready', readyAt(first));
    await h.repo.writeFile('docs/README.md', 'not part of the app\n');
    await h.repo.commit('docs only');
    await h.repo.push('main');
    const body = JSON.stringify({ repoURL: h.repoURL, branch: 'main', paths: ['docs/README.md'] });
    const answer = await post(`${h.controller?.webhookAddress ?? ''}${WEBHOOK_PATH}`, body, {
      'x-mooring-signature': signBody(WEBHOOK_SECRET, body),
    });
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { refreshed: [] });
  });
});
