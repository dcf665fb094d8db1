/** A repository for the source tests: two apps, symlinks, and a cache directory beside it. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WorkingRepo } from '../../../src/devgit/repo.js';

export interface SourceFixture {
  root: string;
  cacheDir: string;
  repo: WorkingRepo;
  cleanup(): Promise<void>;
}

/**
 * `config` with apps/web (a ConfigMap, a symlink to apps/api, and one that escapes the repository) and
 * apps/api, committed on main and pushed.
 */
export async function sourceFixture(): Promise<SourceFixture> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-source-'));
  const files = join(root, 'fixture');
  await mkdir(join(files, 'apps', 'web'), { recursive: true });
  await mkdir(join(files, 'apps', 'api'), { recursive: true });
  await writeFile(
    join(files, 'apps', 'web', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
  );
  await writeFile(
    join(files, 'apps', 'api', 'service.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: api}\n',
  );
  const repo = await WorkingRepo.create(root, 'config', files);
  // Created in the working tree directly: fs.cp would rewrite relative link targets.
  await symlink('../api', join(repo.dir, 'apps', 'web', 'api-link'));
  await symlink('../../../../etc/passwd', join(repo.dir, 'apps', 'web', 'escape'));
  await repo.commit('add symlinks');
  await repo.push('main');
  return {
    root,
    cacheDir: join(root, 'cache'),
    repo,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
