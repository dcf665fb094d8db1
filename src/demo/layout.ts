import { join } from 'node:path';

import { mooringHome, validateClusterName } from '../devcluster/layout.js';

/** Name of the demo's Git repository: the working clone and `<name>.git` beside it. */
export const DEMO_REPO_NAME = 'config';

/** Every path the demo writes, all under one directory of $MOORING_HOME (default ~/.mooring). */
export interface DemoLayout {
  dir: string;
  /** Served over HTTP: holds the bare repository `config.git`. */
  gitRoot: string;
  /** The clone a person edits and pushes from. */
  workingDir: string;
  bareDir: string;
  /** `username:password` of the demo Git server, mode 0600, never printed. */
  credentialsFile: string;
  /** Git mirrors and exports of the in-process controller. */
  cacheDir: string;
  controllerLog: string;
}

/**
 * Paths of the demo run on cluster `clusterName`: `~/.mooring/demo` for the default cluster `demo`, else
 * `~/.mooring/demo-<cluster>`, so demos on different clusters never share credentials. Pure.
 */
export function demoLayout(clusterName: string, home = mooringHome()): DemoLayout {
  const name = validateClusterName(clusterName);
  const dir = join(home, name === 'demo' ? 'demo' : `demo-${name}`);
  const gitRoot = join(dir, 'git');
  return {
    dir,
    gitRoot,
    workingDir: join(gitRoot, DEMO_REPO_NAME),
    bareDir: join(gitRoot, `${DEMO_REPO_NAME}.git`),
    credentialsFile: join(dir, 'git-credentials'),
    cacheDir: join(dir, 'cache'),
    controllerLog: join(dir, 'controller.log'),
  };
}
