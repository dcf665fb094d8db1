import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { ProgressReporter } from '../core/logger.js';
import { MooringError } from '../core/errors.js';
import type { LocalSource } from '../engine/types.js';
import { displayURL, fetchSource, sourceSpecFromArgument } from '../source/index.js';
import type { GitCredentials, VerifySpec } from '../source/index.js';

const run = promisify(execFile);

/** Is SOURCE a local folder (optionally `FOLDER//PATH`) rather than a repository URL? */
function localParts(arg: string): { dir: string; path?: string } | undefined {
  const split = arg.indexOf('//');
  const dir = split < 0 ? arg : arg.slice(0, split);
  if (/^[a-z][a-z0-9+.-]*:/i.test(dir) && !existsSync(dir)) return undefined;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  return split < 0 ? { dir } : { dir, path: arg.slice(split + 2) };
}

/**
 * Credentials for private repositories come from the environment only (never flags, so they stay out of
 * shell history and process listings): MOORING_GIT_USERNAME + MOORING_GIT_PASSWORD, or
 * MOORING_GIT_SSH_KEY_FILE + MOORING_GIT_KNOWN_HOSTS_FILE.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): GitCredentials | undefined {
  if (env.MOORING_GIT_PASSWORD !== undefined) {
    return { kind: 'basic', username: env.MOORING_GIT_USERNAME ?? 'git', password: env.MOORING_GIT_PASSWORD };
  }
  if (env.MOORING_GIT_SSH_KEY_FILE !== undefined) {
    if (env.MOORING_GIT_KNOWN_HOSTS_FILE === undefined) {
      throw new MooringError(
        'INVALID_ARGUMENT',
        'MOORING_GIT_SSH_KEY_FILE is set but MOORING_GIT_KNOWN_HOSTS_FILE is not',
        {
          hint: 'Mooring verifies SSH host keys: point MOORING_GIT_KNOWN_HOSTS_FILE at a known_hosts file for the Git host',
        },
      );
    }
    return {
      kind: 'ssh',
      privateKey: readFileSync(env.MOORING_GIT_SSH_KEY_FILE, 'utf8'),
      knownHosts: readFileSync(env.MOORING_GIT_KNOWN_HOSTS_FILE, 'utf8'),
    };
  }
  return undefined;
}

/**
 * Turns the CLI's SOURCE into files on disk. A local folder is read in place; its checkout root (the
 * boundary no render may cross) is the enclosing git work tree, so overlays can use ../base. Anything else
 * is `REPO_URL[@REF][//PATH]`, fetched through the mirror cache into an export that `work` reads and that
 * is removed when it is done.
 */
export async function withSource<T>(
  arg: string,
  progress: ProgressReporter,
  verify: VerifySpec | undefined,
  work: (source: LocalSource) => Promise<T>,
): Promise<T> {
  const local = localParts(arg);
  if (local !== undefined) {
    if (verify !== undefined)
      throw new MooringError(
        'INVALID_ARGUMENT',
        `--verify-keys needs a repository source, not the folder ${local.dir}`,
        {
          hint: 'give the repository as REPO_URL[@REF][//PATH] (a folder may hold uncommitted files no signature covers)',
        },
      );
    const dir = resolve(local.dir);
    const root = (await gitTopLevel(dir)) ?? dir;
    const path = join(relative(root, dir), local.path ?? '');
    return work({ root, path: path === '.' ? '' : path });
  }
  if (/^(\.{0,2}\/|~)/.test(arg)) {
    throw new MooringError('INVALID_ARGUMENT', `no folder ${arg.split('//')[0] ?? arg}`, {
      hint: 'give an existing folder (FOLDER[//PATH]) or a repository as REPO_URL[@REF][//PATH]',
    });
  }
  const credentials = credentialsFromEnv();
  const spec = await sourceSpecFromArgument(arg, credentials === undefined ? {} : { credentials });
  progress(`fetching ${displayURL(spec.repoURL)}`);
  const fetched = await fetchSource(
    verify === undefined ? spec : { ...spec, verify },
    join(homedir(), '.cache', 'mooring', 'git'),
  );
  progress(`${fetched.resolvedRef} is ${fetched.commit.sha.slice(0, 12)}: ${fetched.commit.subject}`);
  for (const signature of fetched.signatures ?? [])
    progress(
      `${signature.object} ${signature.name.slice(0, 40)} is signed by ${signature.format} ${signature.signer}`,
    );
  try {
    return await work({
      root: fetched.root,
      path: fetched.path,
      commit: fetched.commit,
      displayURL: fetched.displayURL,
      rootTreeHash: fetched.rootTreeHash,
    });
  } finally {
    // The export was for this command only.
    await fetched.release();
  }
}

async function gitTopLevel(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { timeout: 10_000 });
    return stdout.trim() === '' ? undefined : stdout.trim();
  } catch {
    return undefined;
  }
}
