/** `mooring health FILE --checks FILE`: the built CLI on saved objects, with Argo CD and CEL checks. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'health-cli');
const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function mooring(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

describe('mooring health', () => {
  it('prints each object of a List with its health and what decided it, and exits 1 when one is not settled', async () => {
    const out = await mooring([
      'health',
      join(fixtures, 'objects.yaml'),
      '--checks',
      join(fixtures, 'argocd-cm.yaml'),
    ]);
    assert.equal(out.code, 1, out.stderr);
    const cm = `${join(fixtures, 'argocd-cm.yaml')} ConfigMap/argocd-cm`;
    assert.equal(
      out.stdout,
      [
        'ScaledObject/jobs/worker: Degraded - At least one trigger is falling back on this scaled object',
        `  decided by Lua check resource.customizations.health.keda.sh_ScaledObject from ${cm}`,
        'SealedSecret/jobs/db: Healthy - expression current is true',
        `  decided by CEL check for bitnami.com/SealedSecret from ${cm}`,
        'ConfigMap/jobs/settings: Healthy',
        '  decided by built-in rules for core/ConfigMap',
        '',
      ].join('\n'),
    );
  });

  it('uses the built-in rules alone without --checks, and prints JSON on request', async () => {
    const out = await mooring(['health', join(fixtures, 'objects.yaml'), '-o', 'json']);
    const verdicts = JSON.parse(out.stdout) as { subject: string; decidedBy: string }[];
    assert.deepEqual(
      verdicts.map((v) => v.decidedBy),
      [
        'built-in rules for keda.sh/ScaledObject',
        'built-in rules for bitnami.com/SealedSecret',
        'built-in rules for core/ConfigMap',
      ],
    );
  });

  it('refuses a file that holds no Kubernetes object, with a hint', async () => {
    const out = await mooring([
      'health',
      join(fixtures, 'argocd-cm.yaml'),
      '--checks',
      join(fixtures, 'objects.yaml'),
    ]);
    // A ConfigMap is an object: it is judged (Healthy) and the List of --checks holds no checks.
    assert.equal(out.code, 0, out.stderr);
    const bad = await mooring(['health', join(packageRoot(), 'package.json')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a Kubernetes object/);
  });
});
