import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { git } from '../devgit/git-cli.js';
import type { GitHttpServer } from '../devgit/http-server.js';
import { startGitHttpServer } from '../devgit/http-server.js';
import { WorkingRepo } from '../devgit/repo.js';
import type { DemoLayout } from './layout.js';
import { DEMO_REPO_NAME } from './layout.js';

/** Basic-auth credentials of the demo Git server. */
export interface DemoGitCredentials {
  username: string;
  password: string;
}

/**
 * Makes the demo repository (bare origin + working clone) from the example apps, or keeps the one a
 * previous run made, with the commits pushed since. `reset` starts again from the examples.
 */
export async function prepareDemoRepo(
  layout: DemoLayout,
  examplesDir: string,
  reset: boolean,
): Promise<'created' | 'reused'> {
  const complete = existsSync(join(layout.bareDir, 'HEAD')) && existsSync(join(layout.workingDir, '.git'));
  if (complete && !reset) {
    await configureClone(layout.workingDir);
    return 'reused';
  }
  await rm(layout.gitRoot, { recursive: true, force: true });
  await WorkingRepo.create(layout.gitRoot, DEMO_REPO_NAME, examplesDir);
  await configureClone(layout.workingDir);
  return 'created';
}

/**
 * Lets a person commit and `git push` in the clone with plain git: `main` tracks origin (the bare
 * repository, by path, so pushes work whether or not the demo runs), and commits have an author even
 * where no global git identity is set.
 */
async function configureClone(dir: string): Promise<void> {
  const settings: [string, string][] = [
    ['branch.main.remote', 'origin'],
    ['branch.main.merge', 'refs/heads/main'],
    ['user.name', 'Mooring Demo'],
    ['user.email', 'demo@mooring.invalid'],
  ];
  for (const [key, value] of settings) await git(dir, ['config', '--local', key, value]);
}

/** New credentials for this run, written to `file` with mode 0600 as `username:password`. */
export async function writeGitCredentials(file: string): Promise<DemoGitCredentials> {
  const credentials = { username: 'mooring-demo', password: randomBytes(24).toString('base64url') };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${credentials.username}:${credentials.password}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file: tighten one left by an older run too.
  await chmod(file, 0o600);
  return credentials;
}

/** Serves the demo's bare repository over smart HTTP on loopback, behind basic auth, pushes allowed. */
export async function serveDemoRepo(
  layout: DemoLayout,
  credentials: DemoGitCredentials,
): Promise<{ server: GitHttpServer; repoURL: string }> {
  const server = await startGitHttpServer({
    projectRoot: layout.gitRoot,
    basicAuth: credentials,
    allowPush: true,
  });
  return { server, repoURL: `${server.baseUrl}/${DEMO_REPO_NAME}.git` };
}
