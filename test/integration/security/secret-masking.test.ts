/**
 * The built `mooring` CLI never prints the values of a Secret from Git, whatever the command and
 * output format: render (yaml, json), diff (text, json, markdown) of a new and of a changed Secret,
 * apply (text, json). The Secret is really applied: masking is in the output only.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { testCluster } from '../../helpers/kube.js';
import { configMap, engineHarness, yamlStream } from '../engine/harness.js';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function mooring(args: string[]): Promise<CliRun> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secretManifest(password: string, token: string): string {
  return yamlStream([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      type: 'Opaque',
      data: { password: b64(password) },
      stringData: { token },
    },
    configMap('visible', { color: 'blue' }),
  ]);
}

function assertNoValues(run: CliRun, values: string[], what: string): void {
  for (const value of values)
    for (const form of [value, b64(value)])
      assert.ok(
        !run.stdout.includes(form) && !run.stderr.includes(form),
        `${what} printed a Secret value (${form}):\n${run.stdout}\n${run.stderr}`,
      );
}

describe('security: Secret values in CLI output', () => {
  it('render, diff and apply hide Secret values in every format', async (t) => {
    const h = await engineHarness(t, 'masking');
    const dir = await mkdtemp(join(tmpdir(), 'mooring-masking-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const values = ['first-password-1', 'first-token-1'];
    await writeFile(join(dir, 'app.yaml'), secretManifest(values[0] ?? '', values[1] ?? ''));
    const cluster = ['--app', 'masking', '-n', h.namespace, '--kubeconfig', testCluster().kubeconfigPath];

    for (const format of ['yaml', 'json']) {
      const run = await mooring(['render', dir, '-o', format]);
      assert.equal(run.code, 0, run.stderr);
      assertNoValues(run, values, `render -o ${format}`);
      assert.match(run.stdout, /color/, 'other objects are printed in full');
      assert.match(run.stdout, /\*\*\* \(hidden\)/);
    }
    for (const format of ['text', 'json', 'markdown']) {
      const run = await mooring(['diff', dir, ...cluster, '-o', format]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assertNoValues(run, values, `diff -o ${format} (new Secret)`);
    }
    const applied = await mooring(['apply', dir, ...cluster, '-o', 'json']);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assertNoValues(applied, values, 'apply -o json');
    const live = await h.get('v1', 'Secret', 'db');
    assert.equal(
      Buffer.from(String((live?.data as Record<string, string>).password), 'base64').toString(),
      values[0],
      'the real value was applied',
    );

    const next = ['second-password-2', 'second-token-2'];
    await writeFile(join(dir, 'app.yaml'), secretManifest(next[0] ?? '', next[1] ?? ''));
    for (const format of ['text', 'json', 'markdown']) {
      const run = await mooring(['diff', dir, ...cluster, '-o', format]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assertNoValues(run, [...values, ...next], `diff -o ${format} (changed Secret)`);
      assert.match(run.stdout, /password/, 'the changed key is named');
    }
    const text = await mooring(['apply', dir, ...cluster, '-o', 'text']);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assertNoValues(text, [...values, ...next], 'apply -o text');
  });
});
