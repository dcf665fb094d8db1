import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';

import { startRegistry } from '../../helpers/registry.js';
import { readyOf, startScanFixture } from './scan-fixture.js';

async function listen(
  t: TestContext,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('image scanning against a real registry', () => {
  it('scans with basic auth over TLS (CA from certSecretRef) and picks the newest semver, pre-releases only when asked', async (t) => {
    const registry = await startRegistry(t, { auth: 'basic', tls: true });
    for (const tag of ['1.0.0', '1.2.0', 'v1.10.0', '2.0.0-rc.1', '1.9.9-beta.1', 'latest', 'x.sig']) {
      await registry.pushImage('team/app', tag);
    }
    const f = await startScanFixture(t);
    await f.createSecret('creds', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': registry.dockerConfigJson(),
    });
    await f.createSecret('ca', 'Opaque', { 'ca.crt': registry.caPem ?? '' });
    const image = `${registry.host}/team/app`;
    await f.createRepository('app', {
      image,
      secretRef: { name: 'creds' },
      certSecretRef: { name: 'ca' },
      interval: '1h',
    });
    await f.createPolicy('stable', {
      imageRepositoryRef: { name: 'app' },
      policy: { semver: { range: '>=1.0.0' } },
    });
    await f.createPolicy('next', {
      imageRepositoryRef: { name: 'app' },
      policy: { semver: { range: '>=2.0.0-0' } },
    });
    await f.createPolicy('any', {
      imageRepositoryRef: { name: 'app' },
      policy: { semver: { range: '>=1.0.0', includePrerelease: true } },
    });

    const repo = await f.waitForRepository('app', 'a successful scan', (s) =>
      s.tagCount === undefined ? undefined : s,
    );
    assert.equal(readyOf(repo)?.status, 'True');
    assert.equal(repo.tagCount, 6, 'the default exclusionList drops the .sig tag');
    assert.deepEqual([...(repo.tags ?? [])].sort(), [
      '1.0.0',
      '1.2.0',
      '1.9.9-beta.1',
      '2.0.0-rc.1',
      'latest',
      'v1.10.0',
    ]);
    assert.equal(repo.canonicalImageName, image);
    assert.equal(repo.lastScanTrigger, 'spec');

    const stable = await f.waitForPolicy('stable', 'a latest image', (s) => s.latestImage);
    assert.equal(stable, `${image}:v1.10.0`);
    assert.equal(
      await f.waitForPolicy('next', 'a latest image', (s) => s.latestImage),
      `${image}:2.0.0-rc.1`,
    );
    assert.equal(await f.waitForPolicy('any', 'a latest image', (s) => s.latestImage), `${image}:2.0.0-rc.1`);
    const status = await f.policyStatus('stable');
    assert.deepEqual(status.latestRef, { name: image, tag: 'v1.10.0' });
    assert.equal(readyOf(status)?.reason, 'Succeeded');
    assert.ok(f.events.some((e) => e.name === 'stable' && e.event.reason === 'NewImage'));
  });

  it('pins the digest of the chosen tag through token auth, and follows a re-pushed tag to its new digest', async (t) => {
    const registry = await startRegistry(t, { auth: 'token' });
    await registry.pushImage('team/api', 'main-100-aaaaaaa');
    const newest = await registry.pushImage('team/api', 'main-250-bbbbbbb');
    await registry.pushImage('team/api', 'main-99-ccccccc');
    const f = await startScanFixture(t);
    await f.createSecret('creds', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': registry.dockerConfigJson(),
    });
    const image = `${registry.host}/team/api`;
    await f.createRepository('api', { image, secretRef: { name: 'creds' }, insecure: true, interval: '1h' });
    await f.createPolicy('builds', {
      imageRepositoryRef: { name: 'api' },
      policy: { numerical: { order: 'asc' } },
      filterTags: { pattern: '^main-(?P<ts>\\d+)-[a-f0-9]+$', extract: '$ts' },
      digestPinning: true,
    });
    const pinned = await f.waitForPolicy('builds', 'a pinned image', (s) => s.latestImage);
    assert.equal(pinned, `${image}:main-250-bbbbbbb@${newest.digest}`);
    assert.ok(
      registry.tokenRequests.every(
        (r) => r.scope === 'repository:team/api:pull,push' || r.scope === 'repository:team/api:pull',
      ),
    );
    assert.ok(
      registry.tokenRequests.some((r) => r.scope === 'repository:team/api:pull' && r.authorised),
      'the scan asked for a pull token',
    );

    const repushed = await registry.pushImage('team/api', 'main-250-bbbbbbb', { content: 'rebuilt' });
    assert.notEqual(repushed.digest, newest.digest);
    // A spec change rescans (no webhook in this test).
    await f.objects.mergePatch(
      'mooring.dev/v1alpha1',
      { group: 'mooring.dev', kind: 'ImageRepository', namespace: f.namespace, name: 'api' },
      { spec: { interval: '2h' } },
    );
    const moved = await f.waitForPolicy('builds', 'the new digest', (s) =>
      s.latestImage?.endsWith(repushed.digest) === true ? s : undefined,
    );
    assert.equal(moved.observedPreviousImage, pinned);
  });

  it('backs off on 429 for as long as Retry-After asks, then scans', async (t) => {
    const registry = await startRegistry(t);
    await registry.pushImage('app', '1.0.0');
    const tagRequests: { at: number; status: number }[] = [];
    const proxy = await listen(t, (req, res) => {
      const isTags = (req.url ?? '').includes('/tags/list');
      if (isTags && tagRequests.length === 0) {
        tagRequests.push({ at: Date.now(), status: 429 });
        res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
        return;
      }
      if (isTags) tagRequests.push({ at: Date.now(), status: 200 });
      const upstream = httpRequest(
        `${registry.url}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    const f = await startScanFixture(t);
    await f.createRepository('app', { image: `${proxy}/app`, insecure: true, interval: '1h' });
    const repo = await f.waitForRepository('app', 'a successful scan', (s) =>
      s.tagCount === undefined ? undefined : s,
    );
    assert.deepEqual(repo.tags, ['1.0.0']);
    assert.equal(tagRequests.length, 2, 'one 429, then one successful listing');
    const [first, second] = tagRequests;
    assert.ok(first !== undefined && second !== undefined);
    assert.ok(second.at - first.at >= 2000, `retried after ${second.at - first.at} ms, Retry-After said 2 s`);
  });

  it('reports a malformed tag list clearly and keeps the last good scan', async (t) => {
    let answer = '{"name":"app","tags":["1.0.0","1.1.0"]}';
    const fake = await listen(t, (req, res) => {
      if (req.url === '/v2/' || !(req.url ?? '').includes('/tags/list')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
    const f = await startScanFixture(t);
    await f.createRepository('app', { image: `${fake}/app`, insecure: true, interval: '1h' });
    await f.createPolicy('app', { imageRepositoryRef: { name: 'app' }, policy: { semver: { range: '*' } } });
    const good = await f.waitForRepository('app', 'a successful scan', (s) => s.lastScanTime);
    assert.equal(await f.waitForPolicy('app', 'a latest image', (s) => s.latestImage), `${fake}/app:1.1.0`);

    answer = '{"name":"app","tags":"1.2.0"}';
    await f.objects.mergePatch(
      'mooring.dev/v1alpha1',
      { group: 'mooring.dev', kind: 'ImageRepository', namespace: f.namespace, name: 'app' },
      { spec: { interval: '2h' } },
    );
    const failed = await f.waitForRepository('app', 'a failed scan', (s) =>
      readyOf(s)?.status === 'False' ? s : undefined,
    );
    assert.match(readyOf(failed)?.message ?? '', /the tag list's "tags" is not an array/);
    assert.equal(readyOf(failed)?.reason, 'ScanFailed');
    assert.equal(failed.lastScanTime, good, 'lastScanTime is the last good scan');
    assert.deepEqual(failed.tags, ['1.0.0', '1.1.0']);
    assert.equal(
      (await f.policyStatus('app')).latestImage,
      `${fake}/app:1.1.0`,
      'the policy keeps its choice',
    );
    assert.ok(f.events.some((e) => e.name === 'app' && e.event.reason === 'ScanFailed'));
  });

  it('refuses a token realm on plain http named by an https registry, and never sends it the credentials', async (t) => {
    const registry = await startRegistry(t, { auth: 'token', tls: true });
    await registry.pushImage('app', '1.0.0');
    const f = await startScanFixture(t);
    await f.createSecret('creds', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': registry.dockerConfigJson(),
    });
    await f.createSecret('ca', 'Opaque', { 'ca.crt': registry.caPem ?? '' });
    const before = registry.tokenRequests.length;
    await f.createRepository('app', {
      image: `${registry.host}/app`,
      secretRef: { name: 'creds' },
      certSecretRef: { name: 'ca' },
      interval: '1h',
    });
    const status = await f.waitForRepository('app', 'a failed scan', (s) =>
      readyOf(s)?.status === 'False' ? s : undefined,
    );
    assert.match(
      readyOf(status)?.message ?? '',
      /names a token realm at http:\/\/127\.0\.0\.1:\d+, which is refused/,
    );
    assert.equal(registry.tokenRequests.length, before, 'the token service was never asked');
    assert.equal(status.tagCount, undefined);
  });
});
