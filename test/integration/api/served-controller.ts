/**
 * `mooring controller` as a user runs it, for the tests of its one HTTP port: spawned from the built CLI on a
 * free loopback port, scoped to the harness's namespace (so it answers no other test's apps), killed when the
 * test ends; returned once /readyz answers 200.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { packageRoot } from '../../../src/core/package-root.js';
import { freePort } from '../../../src/devcluster/ports.js';
import { testCluster } from '../../helpers/kube.js';
import type { ControllerHarness } from '../controller/harness.js';
import { LOOPBACK_CIDRS } from '../../helpers/egress.js';

/** Starts the controller process; resolves to its base URL (`http://127.0.0.1:PORT`) once it is ready. */
export async function servedController(
  t: TestContext,
  h: ControllerHarness,
  env: Record<string, string> = {},
): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'dist', 'src', 'cli', 'main.js'),
      'controller',
      ...['-n', h.appNamespace, '--app-namespace', h.appNamespace],
      ...['--kubeconfig', testCluster().kubeconfigPath, '--no-leader-elect', '--allow-file-repos'],
      ...['--http-port', String(port), '--http-host', '127.0.0.1', '--cache-dir', h.cacheDir],
      ...['--log-level', 'error', '--egress-allow-cidr', LOOPBACK_CIDRS.join(',')],
    ],
    { stdio: 'ignore', env: { ...process.env, ...env } },
  );
  t.after(() => child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await h.waitFor('/readyz to answer 200', async () => {
    const answer = await fetch(`${base}/readyz`).catch(() => undefined);
    return answer?.status === 200 ? true : undefined;
  });
  return base;
}
