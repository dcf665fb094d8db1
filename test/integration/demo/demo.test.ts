import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { DEMO_APPS } from '../../../src/demo/apps.js';
import { demoLayout } from '../../../src/demo/layout.js';
import { clusterDown } from '../../../src/devcluster/cluster.js';
import { clusterLayout } from '../../../src/devcluster/layout.js';
import { findRegistryBinary } from '../../../src/devcluster/local-registry.js';
import { findPrometheusBinary } from '../../../src/devcluster/local-prometheus.js';
import { PROMETHEUS_MISSING } from '../../../src/demo/canary-step.js';
import { git } from '../../../src/devgit/git-cli.js';
import { connect } from '../../../src/kube/connect.js';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

/** Runs the built CLI with MOORING_HOME set, so nothing touches the real ~/.mooring. */
function mooring(home: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, MOORING_HOME: home }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The summary table's row of an app: `  NAME  SYNC  HEALTH  REVISION`. */
function summaryRow(stdout: string, app: string): string[] | undefined {
  const table = stdout.slice(stdout.indexOf('  APP '), stdout.indexOf('Try it'));
  const line = table.split('\n').find((l) => l.trim().split(/\s+/)[0] === app);
  return line?.trim().split(/\s+/);
}

describe('mooring demo', () => {
  it('starts a cluster, a Git server and the controller, and exits 0 with --once when every example app is Synced and Healthy', async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'mooring-demo-home-'));
    const name = `demo-test-${process.pid}`;
    t.after(async () => {
      // In-process rather than `mooring dev cluster down`: stops the cluster even if the CLI cannot start.
      await clusterDown(name, home);
      await rm(home, { recursive: true, force: true });
    });

    const first = await mooring(home, ['demo', '--name', name, '--once']);
    assert.equal(first.code, 0, `demo failed:\n${first.stdout}\n${first.stderr}`);
    for (const app of DEMO_APPS) {
      const row = summaryRow(first.stdout, app.name);
      assert.deepEqual(row?.slice(1, 3), ['Synced', 'Healthy'], `${app.name} in:\n${first.stdout}`);
    }
    const layout = demoLayout(name, home);
    const kubeconfig = clusterLayout(name, home).kubeconfig;
    assert.ok(first.stdout.includes(`export KUBECONFIG=${kubeconfig}`));
    assert.ok(first.stdout.includes(`cd ${layout.workingDir}`));
    assert.ok(first.stdout.includes('kubectl scale deployment/guestbook -n guestbook --replicas=5'));
    assert.ok(first.stdout.includes(`mooring dev cluster down --name ${name}`));
    assert.match(first.stdout, /dashboard: http:\/\/127\.0\.0\.1:\d+\/ /);

    // The Git password is written for the user only and never printed.
    const credentials = await readFile(layout.credentialsFile, 'utf8');
    const password = credentials.trim().split(':')[1] ?? '';
    assert.ok(password.length >= 24);
    assert.equal((await stat(layout.credentialsFile)).mode & 0o777, 0o600);
    assert.ok(
      !first.stdout.includes(password) && !first.stderr.includes(password),
      'the password was printed',
    );

    const objects = connect({ kubeconfig });
    t.after(() => {
      objects.client.close();
    });
    const deployment = await objects.get('apps/v1', {
      group: 'apps',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'guestbook',
    });
    assert.equal((deployment?.spec as { replicas?: number } | undefined)?.replicas, 2);
    const prod = await objects.get('apps/v1', {
      group: 'apps',
      kind: 'Deployment',
      namespace: 'podinfo-prod',
      name: 'prod-podinfo',
    });
    assert.equal((prod?.spec as { replicas?: number } | undefined)?.replicas, 3);

    // Push an image, watch it deploy: the commit in Git and the Deployment's image (or a clear skip).
    if (findRegistryBinary() === undefined) {
      assert.match(first.stdout, /skipped: .*apt-get install docker-registry/);
    } else {
      const deployed = /Deployment image-web\/web runs (\S+) \(\d+\.\d s after the push\)/.exec(first.stdout);
      assert.ok(deployed, `no deployed image in:\n${first.stdout}`);
      const image = deployed[1] ?? '';
      assert.match(image, /^127\.0\.0\.1:\d+\/demo\/web:1\.0\.\d+$/);
      assert.ok(first.stdout.includes(`pushed ${image}`), first.stdout);
      const commit = /commit ([0-9a-f]{7,}) by Mooring Image Bot: /.exec(first.stdout)?.[1] ?? '';
      assert.ok(commit !== '', first.stdout);
      const head = await git(layout.bareDir, ['rev-parse', 'main']);
      assert.ok(head.startsWith(commit), `${commit} is main (${head})`);
      const manifest = await git(layout.bareDir, ['show', 'main:image-web/deployment.yaml']);
      assert.ok(manifest.includes(`image: ${image} # {"$imagepolicy": "mooring-system:web"}`), manifest);
      const web = await objects.get('apps/v1', {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'image-web',
        name: 'web',
      });
      const spec = web?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined;
      assert.equal(spec?.template.spec.containers[0]?.image, image);
    }

    // Progressive delivery: canary-web synced beside a loopback Prometheus (or a clear skip). With --once the
    // controller stops, so `mooring demo canary` is not offered (it needs the demo running).
    const canaryReady = /canary-web Synced and Healthy at [0-9a-f]{12} \(this step: \d+\.\d s\)/;
    if (findPrometheusBinary() === undefined)
      assert.ok(first.stdout.includes(PROMETHEUS_MISSING), first.stdout);
    else assert.match(first.stdout, canaryReady);
    assert.doesNotMatch(first.stdout, /^ {2}mooring demo canary/m);

    // A second run reuses the cluster and the repository, and gets every app ready again.
    const second = await mooring(home, ['demo', '--name', name, '--once']);
    assert.equal(second.code, 0, `second demo run failed:\n${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /already running/);
    assert.match(second.stdout, /kept from the last run/);
    assert.deepEqual(summaryRow(second.stdout, 'hello-helm')?.slice(1, 3), ['Synced', 'Healthy']);
    if (findRegistryBinary() !== undefined)
      assert.match(second.stdout, /Deployment image-web\/web runs \S+ \(\d+\.\d s after the push\)/);
    if (findPrometheusBinary() !== undefined) assert.match(second.stdout, canaryReady);
  });
});
