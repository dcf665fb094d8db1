import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import { buildWebhookServer } from '../../../src/controller/webhook/index.js';
import { registryWebhookPlugin, REGISTRY_WEBHOOK_PATH } from '../../../src/image/webhook.js';
import { startRegistry } from '../../helpers/registry.js';
import { readyOf, startScanFixture } from './scan-fixture.js';

const SECRET = 'registry-webhook-test-secret';

describe('registry webhooks', () => {
  it('a push the registry notifies updates the ImagePolicy at once, though the interval is an hour', async (t) => {
    const f = await startScanFixture(t);
    const server = buildWebhookServer({ secrets: {}, onPush: () => Promise.resolve([]) });
    const received: string[][] = [];
    await server.register(
      registryWebhookPlugin({
        secret: SECRET,
        onPush: (pushes) => {
          const keys = f.controller.scanPushes(pushes);
          received.push(keys);
          return keys;
        },
      }),
    );
    await server.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    const port = (server.server.address() as AddressInfo).port;
    const registry = await startRegistry(t, {
      notify: {
        url: `http://127.0.0.1:${port}${REGISTRY_WEBHOOK_PATH}`,
        headers: { Authorization: `Bearer ${SECRET}` },
      },
    });
    await registry.pushImage('team/web', '1.0.0');
    const image = `${registry.host}/team/web`;
    await f.createRepository('web', { image, insecure: true, interval: '1h' });
    await f.createPolicy('web', { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1' } } });
    assert.equal(await f.waitForPolicy('web', 'the first image', (s) => s.latestImage), `${image}:1.0.0`);
    const scansBefore = f.scans.length;

    const pushed = await registry.pushImage('team/web', '1.1.0');
    const latest = await f.waitForPolicy('web', 'the pushed image', (s) =>
      s.latestImage === `${image}:1.1.0` ? s : undefined,
    );
    assert.equal(latest.observedPreviousImage, `${image}:1.0.0`);
    assert.equal(readyOf(latest)?.status, 'True');
    const repo = await f.repositoryStatus('web');
    assert.equal(repo.lastScanTrigger, 'webhook');
    assert.ok(f.scans.slice(scansBefore).every((scan) => scan.trigger === 'webhook'));
    assert.ok(received.some((keys) => keys.includes(`${f.namespace}/web`)));
    assert.ok(pushed.digest.startsWith('sha256:'));
  });

  it('refuses a delivery without the secret, and ignores blob pushes and pulls, and reads a configured header', async () => {
    const triggered: string[][] = [];
    const server = buildWebhookServer({ secrets: {}, onPush: () => Promise.resolve([]) });
    await server.register(
      registryWebhookPlugin({
        secret: SECRET,
        header: 'X-Registry-Token',
        onPush: (pushes) => {
          triggered.push(pushes.map((p) => `${p.host ?? ''}/${p.repository}:${p.tag ?? ''}`));
          return [];
        },
      }),
    );
    const body = JSON.stringify({
      events: [
        {
          action: 'push',
          target: { mediaType: 'application/octet-stream', repository: 'team/web', digest: 'sha256:1' },
        },
        {
          action: 'push',
          target: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            repository: 'team/web',
            tag: '2.0.0',
          },
          request: { host: 'registry.example:5000' },
        },
        {
          action: 'pull',
          target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: 'x' },
        },
      ],
    });
    const headers = { 'content-type': 'application/vnd.docker.distribution.events.v1+json' };
    const denied = await server.inject({
      method: 'POST',
      url: REGISTRY_WEBHOOK_PATH,
      headers,
      payload: body,
    });
    assert.equal(denied.statusCode, 401);
    const wrong = await server.inject({
      method: 'POST',
      url: REGISTRY_WEBHOOK_PATH,
      headers: { ...headers, 'x-registry-token': 'nope' },
      payload: body,
    });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(triggered, []);
    const ok = await server.inject({
      method: 'POST',
      url: REGISTRY_WEBHOOK_PATH,
      headers: { ...headers, 'x-registry-token': SECRET },
      payload: body,
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(triggered, [['registry.example:5000/team/web:2.0.0']]);
    const garbage = await server.inject({
      method: 'POST',
      url: REGISTRY_WEBHOOK_PATH,
      headers: { ...headers, 'x-registry-token': SECRET },
      payload: '{"events": 3}',
    });
    assert.equal(garbage.statusCode, 400);
    await server.close();
  });
});
