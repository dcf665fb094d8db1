import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { MooringError } from '../core/errors.js';

const run = promisify(execFile);

/** Environment for git processes that ignores the user's and the system's git config. */
export function isolatedGitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Mooring Test',
    GIT_AUTHOR_EMAIL: 'test@mooring.invalid',
    GIT_COMMITTER_NAME: 'Mooring Test',
    GIT_COMMITTER_EMAIL: 'test@mooring.invalid',
    ...extra,
  };
}

/** Runs git with an argument array (never a shell) in `cwd`; returns trimmed stdout. */
export async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      env: isolatedGitEnv(env),
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? '').trim();
    throw new MooringError('PROCESS_FAILED', `git ${args[0] ?? ''} failed in ${cwd}: ${stderr}`, {
      cause: error,
    });
  }
}
