/**
 * An ImageUpdateAutomation in pull-request mode on the real cluster and a real Git server: the change goes
 * to mooring/image-updates/<name>, the base branch is untouched, the pull request is opened through a local
 * server answering GitHub's documented endpoint with the token from the Secret, and a second run with the
 * same images neither pushes nor calls the API again. Also: a malformed marker file is left untouched.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { parseImageUpdateAutomation } from '../../../src/crd/imageupdateautomation.js';
import { git } from '../../../src/devgit/git-cli.js';
import { runAutomation } from '../../../src/image/update/automation.js';
import { installImageCrds } from '../../helpers/image-crds.js';
import { controllerHarness, RecordingLogger } from '../controller/harness.js';
import { installAutomationCrd } from './automation-fixture.js';
import { loopbackEgress } from '../../helpers/egress.js';

const TOKEN = 'ghp-test-token-not-for-logs';

describe('image automation: pull-request mode', () => {
  it('pushes a branch, opens the pull request once, and leaves the base branch and broken files alone', async (t) => {
    await installImageCrds();
    await installAutomationCrd();
    const h = await controllerHarness(t, { basicAuth: true, allowPush: true, startController: false });
    const ns = h.appNamespace;
    const requests: { method: string; url: string; auth: string | undefined; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          auth: req.headers.authorization,
          body,
        });
        res.writeHead(req.method === 'GET' ? 200 : 201, { 'Content-Type': 'application/json' });
        res.end(
          req.method === 'GET' ? '[]' : JSON.stringify({ number: 41, html_url: 'https://github.test/pr/41' }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    );
    const apiURL = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

    const broken = 'image: registry.test/web:1.0.0 # mooring:image web\n  oops: [\n';
    await h.publish(
      {
        'deployment.yaml': 'image: registry.test/web:1.0.0 # mooring:image web\n',
        'broken.yaml': broken,
      },
      'apps/web',
    );
    const base = await git(h.repo.bareDir, ['rev-parse', 'main']);
    const policy = await h.observer.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'ImagePolicy',
      metadata: { name: 'web', namespace: ns },
      spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
    });
    await h.observer.mergePatch(
      MOORING_API_VERSION,
      { group: 'mooring.dev', kind: 'ImagePolicy', namespace: ns, name: policy.metadata.name },
      {
        status: {
          latestImage: 'registry.test/web:1.1.0',
          latestRef: { name: 'registry.test/web', tag: '1.1.0' },
        },
      },
      { subresource: 'status' },
    );
    await h.observer.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'github-token', namespace: ns },
      stringData: { token: TOKEN },
    });
    const created = await h.observer.create({
      apiVersion: MOORING_API_VERSION,
      kind: 'ImageUpdateAutomation',
      metadata: { name: 'web', namespace: ns },
      spec: {
        sourceRef: { url: h.repoURL, branch: 'main', secretRef: { name: 'git-credentials' } },
        push: {
          pullRequest: {
            provider: 'github',
            apiURL,
            repository: 'team/config',
            tokenSecretRef: { name: 'github-token' },
          },
        },
      },
    });
    const logger = new RecordingLogger();
    const deps = {
      objects: h.observer,
      logger,
      applications: () => Promise.resolve([]),
      egress: loopbackEgress(),
    };

    const first = await runAutomation(deps, parseImageUpdateAutomation(created));
    assert.equal(first.kind, 'pushed');
    assert.equal(await git(h.repo.bareDir, ['rev-parse', 'main']), base, 'the base branch is untouched');
    const branch = 'mooring/image-updates/web';
    assert.equal(await git(h.repo.bareDir, ['rev-parse', `${branch}^`]), base);
    assert.equal(
      await git(h.repo.bareDir, ['show', `${branch}:apps/web/deployment.yaml`]),
      'image: registry.test/web:1.1.0 # mooring:image web',
    );
    assert.equal(`${await git(h.repo.bareDir, ['show', `${branch}:apps/web/broken.yaml`])}\n`, broken);
    assert.ok(logger.all.some((line) => line.includes('apps/web/broken.yaml: does not parse as YAML')));
    const post = requests.find((r) => r.method === 'POST');
    assert.ok(post !== undefined, 'a pull request was opened');
    assert.equal(post.url, '/repos/team/config/pulls');
    assert.equal(post.auth, `Bearer ${TOKEN}`);
    assert.deepEqual(
      { ...(JSON.parse(post.body) as Record<string, unknown>), body: undefined },
      { title: `Update images of ${ns}/web`, head: branch, base: 'main', body: undefined },
    );
    const stored = await h.observer.get(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'ImageUpdateAutomation',
      namespace: ns,
      name: 'web',
    });
    const status = stored?.status as {
      pullRequest?: { url: string; number: number };
      lastPushCommit?: string;
    };
    assert.deepEqual(status.pullRequest, { url: 'https://github.test/pr/41', number: 41 });
    assert.equal(status.lastPushCommit, await git(h.repo.bareDir, ['rev-parse', branch]));
    assert.ok(
      logger.all.every((line) => !line.includes(TOKEN)),
      'the token is never logged',
    );

    const calls = requests.length;
    const second = await runAutomation(deps, parseImageUpdateAutomation(stored ?? created));
    assert.equal(second.kind, 'unchanged');
    assert.equal(requests.length, calls, 'no second pull request call for the same change');
  });
});
