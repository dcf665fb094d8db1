import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { freePort } from '../../../src/devcluster/ports.js';
import { REGISTRY_WEBHOOK_PATH } from '../../../src/image/webhook.js';
import { testCluster } from '../../helpers/kube.js';
import { startRegistry } from '../../helpers/registry.js';
import { applyCrds } from '../controller/harness.js';
import { readyOf, startScanFixture } from './scan-fixture.js';
import { LOOPBACK_CIDRS } from '../../helpers/egress.js';

describe('mooring controller with image automation', () => {
  it('scans ImageRepositories of its namespaces and takes registry notifications on its webhook port', async (t) => {
    await applyCrds();
    const f = await startScanFixture(t);
    // The fixture's own scan controller would answer too: only the spawned controller may act here.
    f.controller.stop();
    const port = await freePort();
    const secret = 'controller-registry-secret';
    const registry = await startRegistry(t, {
      notify: {
        url: `http://127.0.0.1:${port}${REGISTRY_WEBHOOK_PATH}`,
        headers: { Authorization: `Bearer ${secret}` },
      },
    });
    await registry.pushImage('team/svc', '1.0.0');
    const image = `${registry.host}/team/svc`;
    await f.createRepository('svc', { image, insecure: true, interval: '1h' });
    await f.createPolicy('svc', { imageRepositoryRef: { name: 'svc' }, policy: { semver: { range: '^1' } } });

    const cacheDir = await mkdtemp(join(tmpdir(), 'mooring-image-controller-'));
    t.after(() => rm(cacheDir, { recursive: true, force: true }));
    let output = '';
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'dist', 'src', 'cli', 'main.js'),
        'controller',
        '-n',
        f.namespace,
        '--app-namespace',
        f.namespace,
        '--kubeconfig',
        testCluster().kubeconfigPath,
        '--no-leader-elect',
        '--egress-allow-cidr',
        LOOPBACK_CIDRS.join(','),
        '--webhook-port',
        String(port),
        '--webhook-host',
        '127.0.0.1',
        '--cache-dir',
        cacheDir,
        '--log-level',
        'warn',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, MOORING_REGISTRY_WEBHOOK_SECRET: secret },
      },
    );
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
    t.after(() => child.kill('SIGKILL'));

    const first = await f.waitForPolicy(
      'svc',
      `the first image (controller said: ${output})`,
      (s) => s.latestImage,
    );
    assert.equal(first, `${image}:1.0.0`);
    await registry.pushImage('team/svc', '1.0.1');
    const next = await f.waitForPolicy('svc', 'the pushed image', (s) =>
      s.latestImage === `${image}:1.0.1` ? s : undefined,
    );
    assert.equal(readyOf(next)?.status, 'True');
    assert.equal((await f.repositoryStatus('svc')).lastScanTrigger, 'webhook');
  });
});
