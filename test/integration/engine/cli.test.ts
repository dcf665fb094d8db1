import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { startGitHttpServer } from '../../../src/devgit/http-server.js';
import { WorkingRepo } from '../../../src/devgit/repo.js';
import type { SyncResult } from '../../../src/engine/types.js';
import { testCluster } from '../../helpers/kube.js';
import { configMap, engineHarness, yamlStream } from './harness.js';

const PASSWORD = 'pa55-Word-never-printed';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `mooring` CLI; resolves with its exit code and output whatever the code. */
function mooring(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('mooring apply and diff over HTTPS-style Git with credentials', () => {
  it('applies from a password-protected repository without printing the password; diff exits 0, 1 or 2', async (t) => {
    const h = await engineHarness(t, 'cli-web');
    const root = await mkdtemp(join(tmpdir(), 'mooring-cli-git-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const repo = await WorkingRepo.create(root, 'config');
    await repo.writeFile('apps/web/settings.yaml', yamlStream([configMap('settings', { color: 'blue' })]));
    await repo.commit('add web');
    await repo.push('main');
    const server = await startGitHttpServer({
      projectRoot: root,
      basicAuth: { username: 'deployer', password: PASSWORD },
    });
    t.after(() => server.close());

    const source = `${server.baseUrl}/config.git@main//apps/web`;
    const common = ['--app', 'cli-web', '-n', h.namespace, '--kubeconfig', testCluster().kubeconfigPath];
    const env = { MOORING_GIT_USERNAME: 'deployer', MOORING_GIT_PASSWORD: PASSWORD };
    const noPassword = (run: CliRun): void => {
      assert.ok(
        !run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD),
        'the password appears in the output',
      );
    };

    const applied = await mooring(['apply', source, ...common], env);
    noPassword(applied);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /cli-web at [0-9a-f]{12}: did: 1 created/);
    assert.deepEqual((await h.get('v1', 'ConfigMap', 'settings'))?.data, { color: 'blue' });

    const clean = await mooring(['diff', source, ...common, '-o', 'json'], env);
    noPassword(clean);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    const cleanReport = JSON.parse(clean.stdout) as SyncResult;
    assert.deepEqual(
      cleanReport.outcomes.map((o) => o.action),
      ['unchanged'],
    );

    await repo.writeFile('apps/web/settings.yaml', yamlStream([configMap('settings', { color: 'green' })]));
    await repo.commit('green');
    await repo.push('main');
    const changed = await mooring(['diff', source, ...common, '-o', 'json'], env);
    noPassword(changed);
    assert.equal(changed.code, 1, changed.stdout + changed.stderr);
    const report = JSON.parse(changed.stdout) as SyncResult & {
      diffs: { changes: { path: string; after: unknown }[] }[];
    };
    assert.equal(report.outcomes[0]?.action, 'configured');
    assert.deepEqual(
      report.diffs[0]?.changes.map((c) => [c.path, c.after]),
      [['data.color', 'green']],
    );
    const markdown = await mooring(['diff', source, ...common, '-o', 'markdown'], env);
    noPassword(markdown);
    assert.equal(markdown.code, 1, markdown.stdout + markdown.stderr);
    const subject = `ConfigMap/${h.namespace}/settings`;
    const lines = markdown.stdout.split('\n');
    assert.equal(lines[0], '### Mooring diff: `cli-web`');
    assert.ok(lines.includes('| action | object | note |'), markdown.stdout);
    assert.ok(
      lines.some((l) => l.startsWith(`| configure | \`${subject}\` |`)),
      `a table row for the changed object:\n${markdown.stdout}`,
    );
    const details = lines.indexOf(`<details><summary>${subject}</summary>`);
    assert.ok(details >= 0, markdown.stdout);
    const fence = lines.indexOf('```diff', details);
    const end = lines.indexOf('```', fence + 1);
    assert.ok(fence > details && end > fence, markdown.stdout);
    const patch = lines.slice(fence + 1, end);
    assert.ok(patch.includes('-  color: blue'), patch.join('\n'));
    assert.ok(patch.includes('+  color: green'), patch.join('\n'));
    assert.equal(lines[end + 1], '</details>');
    assert.deepEqual(
      (await h.get('v1', 'ConfigMap', 'settings'))?.data,
      { color: 'blue' },
      'diff writes nothing',
    );

    const wrong = await mooring(['diff', source, ...common], {
      MOORING_GIT_USERNAME: 'deployer',
      MOORING_GIT_PASSWORD: `${PASSWORD}-wrong`,
    });
    assert.equal(wrong.code, 2, wrong.stdout + wrong.stderr);
    assert.ok(!wrong.stderr.includes(PASSWORD), 'a failed fetch does not print the password either');
    const invalid = await mooring(['diff', source.replace('//apps/web', '//apps/missing'), ...common], env);
    assert.equal(invalid.code, 2, invalid.stdout + invalid.stderr);
    noPassword(invalid);
  });
});
