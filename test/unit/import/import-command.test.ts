/** `mooring import`: the built CLI writes YAML to stdout and the report to stderr. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

import { packageRoot } from '../../../src/core/package-root.js';

const fixtures = join(packageRoot(), 'test', 'unit', 'import', 'fixtures');
const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

function mooring(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

describe('mooring import (CLI)', () => {
  it('prints the Mooring objects as a YAML stream in the namespace given, the report on stderr, exit 1 when something was skipped', async () => {
    const out = await mooring(['import', 'flux', join(fixtures, 'flux-system.yaml'), '-n', 'gitops']);
    assert.equal(out.code, 1, out.stderr);
    const docs = parseAllDocuments(out.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { namespace: string } },
    );
    assert.deepEqual(
      docs.map((d) => `${d.kind} ${d.metadata.namespace}`),
      ['Project gitops', 'Application gitops', 'Application gitops', 'Application gitops'],
    );
    assert.match(out.stderr, /^HelmRelease\/flux-system\/redis\n {2}skipped spec\.chart\.spec\.sourceRef: /m);
  });

  it("reports objects that are not the peer's and prints no YAML for them", async () => {
    const out = await mooring([
      'import',
      'argocd',
      join(packageRoot(), 'test', 'fixtures', 'health-cli', 'objects.yaml'),
    ]);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /is not an Argo CD Application or AppProject/);
  });
});
