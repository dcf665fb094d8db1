import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster } from '../../helpers/kube.js';
import { configMap, controllerHarness, readyAt } from '../controller/harness.js';
import { apiHarness, serviceAccountToken } from './detail-harness.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs the CLI with its own config directory (never the user's); resolves with the exit code. */
async function mooring(configHome: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      timeout: 60_000,
      env: { ...process.env, XDG_CONFIG_HOME: configHome, MOORING_TOKEN: '' },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code ?? -1 };
  }
}

describe('CLI through the API: mooring login and --server', () => {
  it('logs in (0600, token never printed), then status, sync --wait, history and diff go through the API', async (t) => {
    const h = await controllerHarness(t);
    const api = await apiHarness(t, h);
    const token = await serviceAccountToken(h.appNamespace, 'operator', ['get', 'list', 'patch']);
    const configHome = await mkdtemp(join(tmpdir(), 'mooring-cli-config-'));
    t.after(() => rm(configHome, { recursive: true, force: true }));
    const tokenFile = join(configHome, 'token');
    await writeFile(tokenFile, `${token}\n`);

    const name = h.uniqueName('cli');
    const commit = await h.publish({ 'settings.yaml': [configMap('settings', { color: 'blue' })] });
    // Manual sync only: the sync below is the one the CLI asks for.
    await h.createApp(name, { syncPolicy: { automated: false } });
    await h.waitForApp(
      name,
      'compared with the commit',
      (app) => app.status?.sync?.revision === commit,
      30_000,
    );

    // A token the server does not accept is refused at login, and nothing is stored.
    await writeFile(join(configHome, 'bad'), 'not-a-token');
    const refused = await mooring(configHome, [
      'login',
      '--server',
      api.base,
      '--token-file',
      join(configHome, 'bad'),
    ]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not accepted/);
    await assert.rejects(stat(join(configHome, 'mooring', 'config.json')));

    const login = await mooring(configHome, ['login', '--server', api.base, '--token-file', tokenFile]);
    assert.equal(login.code, 0, login.stderr);
    assert.ok(!login.stdout.includes(token) && !login.stderr.includes(token), 'the token is never printed');
    const config = join(configHome, 'mooring', 'config.json');
    assert.equal((await stat(config)).mode & 0o777, 0o600);
    assert.equal((JSON.parse(await readFile(config, 'utf8')) as { server: string }).server, api.base);

    // status: the same text through the API (stored login) as from the cluster (--kubeconfig).
    const viaApi = await mooring(configHome, ['status', name, '-n', h.appNamespace]);
    const viaCluster = await mooring(configHome, [
      'status',
      name,
      '-n',
      h.appNamespace,
      '--kubeconfig',
      testCluster().kubeconfigPath,
    ]);
    assert.equal(viaApi.code, 0, viaApi.stderr);
    assert.equal(viaApi.stdout, viaCluster.stdout);
    assert.match(viaApi.stdout, new RegExp(`^${name}: OutOfSync`));

    // sync --wait through the API: the SyncRecord names the ServiceAccount that asked.
    const sync = await mooring(configHome, [
      'sync',
      name,
      '-n',
      h.appNamespace,
      '--server',
      '--wait',
      '--timeout',
      '60s',
    ]);
    assert.equal(sync.code, 0, `${sync.stdout}\n${sync.stderr}`);
    assert.match(sync.stdout, new RegExp(`^${name}: Synced`));
    await h.waitForApp(name, 'synced by the request', readyAt(commit), 30_000);
    const history = await mooring(configHome, [
      'history',
      name,
      '-n',
      h.appNamespace,
      '--server',
      api.base,
      '-o',
      'json',
    ]);
    assert.equal(history.code, 0, history.stderr);
    const entries = JSON.parse(history.stdout) as { trigger: string; initiatedBy?: string; result: string }[];
    assert.equal(entries[0]?.trigger, 'manual');
    assert.equal(entries[0].initiatedBy, `system:serviceaccount:${h.appNamespace}:operator`);

    // diff APP --server: nothing to change now (exit 0), the same report line as the cluster's diff.
    const diff = await mooring(configHome, ['diff', name, '-n', h.appNamespace, '--server']);
    assert.equal(diff.code, 0, `${diff.stdout}\n${diff.stderr}`);
    assert.match(diff.stdout, new RegExp(`${name} at ${commit.slice(0, 12)}: would: `));

    // A user without patch cannot sync through the API (403 with the server's hint).
    const reader = await serviceAccountToken(h.appNamespace, 'reader', ['get', 'list']);
    await writeFile(tokenFile, reader);
    assert.equal(
      (await mooring(configHome, ['login', '--server', api.base, '--token-file', tokenFile])).code,
      0,
    );
    const forbidden = await mooring(configHome, ['sync', name, '-n', h.appNamespace]);
    assert.equal(forbidden.code, 2);
    assert.match(forbidden.stderr, /may not patch/);
    assert.match(forbidden.stderr, /hint: /);
  });
});
