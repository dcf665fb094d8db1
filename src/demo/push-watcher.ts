import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { join } from 'node:path';

import { errorMessage } from '../core/errors.js';
import { git } from '../devgit/git-cli.js';

/** A running watch of one branch of a bare repository. */
export interface PushWatcher {
  stop(): void;
}

/**
 * Calls `onPush` with the new commit each time `branch` of the bare repository at `bareDir` moves,
 * however the push arrived (by path or over HTTP). Git has no post-push hook and the demo's Git server
 * runs no hooks, so the demo watches the ref files instead. Rapid changes are coalesced.
 */
export async function watchBranch(
  bareDir: string,
  branch: string,
  onPush: (revision: string) => void,
  onError: (message: string) => void,
): Promise<PushWatcher> {
  const ref = `refs/heads/${branch}`;
  const revisionNow = (): Promise<string> => git(bareDir, ['rev-parse', '--verify', '--quiet', ref]);
  let last = await revisionNow();
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    revisionNow().then(
      (revision) => {
        if (revision === last) return;
        last = revision;
        onPush(revision);
      },
      (error: unknown) => {
        onError(errorMessage(error));
      },
    );
  };
  // The ref is written to a lock file and renamed into place: watch the folder, not the file.
  const watcher: FSWatcher = watch(join(bareDir, 'refs', 'heads'), () => {
    clearTimeout(timer);
    timer = setTimeout(check, 200);
  });
  watcher.on('error', (error) => {
    onError(errorMessage(error));
  });
  return {
    stop: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
