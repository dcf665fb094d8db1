/**
 * The demo's progressive delivery step on a real local cluster: `mooring demo` runs (controller, Git server,
 * Debian's Prometheus scraping the simulated traffic) and `mooring demo canary`, run beside it as a person
 * would, pushes a bad version that is aborted and reverted in Git, then a good one that is promoted.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { ApplicationManifest as Application } from '../../../src/app/model.js';
import { MOORING_API_VERSION } from '../../../src/app/model.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { pollUntil } from '../../../src/core/wait.js';
import { CANARY_DEMO_APP, PROMETHEUS_MISSING } from '../../../src/demo/canary-step.js';
import { DEMO_NAMESPACE } from '../../../src/demo/apps.js';
import { demoLayout } from '../../../src/demo/layout.js';
import { clusterDown } from '../../../src/devcluster/cluster.js';
import { clusterLayout } from '../../../src/devcluster/layout.js';
import { findPrometheusBinary } from '../../../src/devcluster/local-prometheus.js';
import { git } from '../../../src/devgit/git-cli.js';
import { connect } from '../../../src/kube/connect.js';

const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function run(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, MOORING_HOME: home }, timeout: 400_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface RecordSpec {
  application: string;
  trigger: string;
  revision: string;
  result: string;
  message: string;
}

describe('mooring demo canary', () => {
  it('pushes a bad version whose canary is aborted and reverted in Git, the app synced back to the revert, then promotes a good one', async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'mooring-demo-canary-'));
    const name = `demo-canary-${process.pid}`;
    const demo = spawn(process.execPath, [cli, 'demo', '--name', name], {
      env: { ...process.env, MOORING_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', resolve));
    t.after(async () => {
      if (demo.exitCode === null && demo.signalCode === null) {
        demo.kill('SIGINT');
        await exited;
      }
      await clusterDown(name, home);
      await rm(home, { recursive: true, force: true });
    });
    await pollUntil(
      () => {
        if (demo.exitCode !== null) throw new Error(`the demo exited:\n${out}\n${err}`);
        return Promise.resolve(out.includes('Try it') ? true : undefined);
      },
      { timeoutMs: 300_000, intervalMs: 250, what: 'the demo to be ready' },
    );

    if (findPrometheusBinary() === undefined) {
      // Without Prometheus the step is skipped with a sentence; the rest of the demo runs.
      assert.ok(out.includes(PROMETHEUS_MISSING), out);
      assert.doesNotMatch(out, /^ {2}mooring demo canary/m);
      const refused = await run(home, ['demo', 'canary', '--name', name]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /no canary-web Application/);
      return;
    }
    assert.match(
      out,
      /Prometheus http:\/\/127\.0\.0\.1:\d+ \(Debian's prometheus, loopback\) scraping simulated traffic/,
    );
    assert.ok(out.includes(`mooring demo canary --name ${name}`), `next steps name the step:\n${out}`);
    const layout = demoLayout(name, home);
    const before = await git(layout.bareDir, ['rev-parse', 'main']);

    const step = await run(home, ['demo', 'canary', '--name', name]);
    assert.equal(step.code, 0, `demo canary failed:\n${step.stdout}\n${step.stderr}`);
    const text = step.stdout;
    assert.match(text, /Traffic is simulated/);
    const pushed = [...text.matchAll(/pushed ([0-9a-f]{12}) to main/g)].map((m) => m[1] ?? '');
    assert.equal(pushed.length, 2, text);
    const [bad, good] = pushed as [string, string];
    assert.match(text, /canary started: step 1 of 2, 25% of the replicas/);
    // The failing metric and its value, then the abort naming them and the revert.
    assert.match(text, /analysis: success=50 Failed \(50 < min 99\), latency=\d+(\.\d+)? Failed/);
    assert.match(
      text,
      new RegExp(
        `abort: canary of ${bad} aborted at step 1 \\(25%\\): .*success=50 .*traffic back on stable in \\d+ms; reverted in Git to ${before.slice(0, 12)}`,
      ),
    );
    const revertLine = /revert commit ([0-9a-f]{12}) in Git: (.+) \(\d+\.\d s after the push\)/.exec(text);
    assert.ok(revertLine, text);
    const revertShort = revertLine[1] ?? '';
    assert.equal(revertLine[2], `Roll back ${CANARY_DEMO_APP.name} to ${before.slice(0, 12)}`);
    assert.match(
      text,
      new RegExp(
        `synced back: canary-web Synced at ${revertShort}, Deployment canary-web/web runs 1\\.0\\.0`,
      ),
    );
    assert.match(text, /step 2 of 2: 50% of the replicas/);
    assert.match(text, /analysis: success=100 Passed, latency=\d+(\.\d+)? Passed/);
    assert.match(text, new RegExp(`promoted: promoted ${good}`));

    // Git: bad, then Mooring's revert restoring the folder, then good.
    const head = await git(layout.bareDir, ['rev-parse', 'main']);
    assert.ok(head.startsWith(good), `main is the good commit (${head})`);
    const revert = await git(layout.bareDir, ['rev-parse', 'main^']);
    assert.ok(revert.startsWith(revertShort));
    assert.ok((await git(layout.bareDir, ['rev-parse', 'main^^'])).startsWith(bad));
    assert.equal(await git(layout.bareDir, ['log', '-1', '--format=%an', revert]), 'Mooring');
    assert.equal(await git(layout.bareDir, ['diff', before, revert, '--', CANARY_DEMO_APP.path]), '');
    assert.match(
      await git(layout.bareDir, ['show', `${bad}:${CANARY_DEMO_APP.path}/deployment.yaml`]),
      /simulated-error-rate: '50'/,
    );

    // The cluster: the abort recorded with the metric (the sync of the revert changes nothing live, so it
    // writes no SyncRecord: "synced back" above is printed once the app's status says Synced at the revert),
    // and the app ends Synced and Healthy at the good commit, running it, with no canary left.
    const objects = connect({ kubeconfig: clusterLayout(name, home).kubeconfig });
    t.after(() => {
      objects.client.close();
    });
    const records = (await objects.list(MOORING_API_VERSION, 'SyncRecord', { namespace: DEMO_NAMESPACE }))
      .map((r) => r.spec as RecordSpec)
      .filter((r) => r.application === CANARY_DEMO_APP.name);
    const abort = records.find((r) => r.trigger === 'rollback');
    assert.ok(abort, 'the abort SyncRecord');
    assert.ok(abort.revision.startsWith(bad));
    assert.match(abort.message, /success=50 \(50 < min 99\)/);
    const app = (await objects.get(MOORING_API_VERSION, {
      group: 'mooring.dev',
      kind: 'Application',
      namespace: DEMO_NAMESPACE,
      name: CANARY_DEMO_APP.name,
    })) as Application | undefined;
    assert.equal(app?.status?.sync?.status, 'Synced');
    assert.equal(app.status.sync.revision, head);
    assert.equal(app.status.health?.status, 'Healthy');
    assert.equal(app.status.delivery?.phase, 'Succeeded');
    const web = await objects.get('apps/v1', {
      group: 'apps',
      kind: 'Deployment',
      namespace: 'canary-web',
      name: 'web',
    });
    const image = (web?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)
      ?.template.spec.containers[0]?.image;
    assert.equal(image, 'registry.example.com/demo/canary-web:1.2.0');
    assert.equal(
      await objects.get('apps/v1', {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'canary-web',
        name: 'web-canary',
      }),
      undefined,
    );

    // Ctrl-C stops the demo (Prometheus and the simulated traffic with it) and exits 0.
    demo.kill('SIGINT');
    assert.equal(await exited, 0, `${out}\n${err}`);
  });
});
