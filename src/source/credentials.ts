/**
 * Hands credentials to one git call without putting them in argv, a URL or any git config: a private
 * temporary directory (0700) holds an askpass helper, or an ssh key (0600) and known_hosts, and is
 * removed when the call ends.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ASKPASS_HOST_VAR,
  ASKPASS_PASSWORD_VAR,
  ASKPASS_SCHEME_VAR,
  ASKPASS_USERNAME_VAR,
  askpassScript,
  authenticatedGitConfig,
  promptOrigin,
  secretsOf,
  sshCommand,
} from './git-env.js';
import type { GitCredentials } from './types.js';

/** What a git call needs to authenticate: extra environment variables and the strings to scrub. */
export interface GitAuth {
  env: Record<string, string>;
  secrets: string[];
}

/**
 * Runs `work` with the environment that authenticates git with `credentials` (none: an empty one),
 * then removes the temporary files, whatever happened. With `repoURL`, a password is given only for
 * prompts about that URL's server; authenticated calls never follow HTTP redirects.
 */
export async function withCredentials<T>(
  credentials: GitCredentials | undefined,
  work: (auth: GitAuth) => Promise<T>,
  repoURL?: string,
): Promise<T> {
  const secrets = secretsOf(credentials);
  if (credentials === undefined) return work({ env: {}, secrets });
  // mkdtemp creates the directory 0700 with a name nobody else can predict or pre-create.
  const dir = await mkdtemp(join(tmpdir(), 'mooring-git-auth-'));
  try {
    await chmod(dir, 0o700);
    const origin = repoURL === undefined ? undefined : promptOrigin(repoURL);
    const env = {
      ...authenticatedGitConfig(),
      ...(credentials.kind === 'basic' ? await basicAuth(dir, credentials) : await sshAuth(dir, credentials)),
      ...(origin === undefined
        ? {}
        : { [ASKPASS_SCHEME_VAR]: origin.scheme, [ASKPASS_HOST_VAR]: origin.host }),
    };
    return await work({ env, secrets });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function basicAuth(
  dir: string,
  credentials: Extract<GitCredentials, { kind: 'basic' }>,
): Promise<Record<string, string>> {
  const helper = join(dir, 'askpass.sh');
  await writeFile(helper, askpassScript(), { mode: 0o700 });
  return {
    GIT_ASKPASS: helper,
    [ASKPASS_USERNAME_VAR]: credentials.username,
    [ASKPASS_PASSWORD_VAR]: credentials.password,
  };
}

async function sshAuth(
  dir: string,
  credentials: Extract<GitCredentials, { kind: 'ssh' }>,
): Promise<Record<string, string>> {
  const key = join(dir, 'id');
  const knownHosts = join(dir, 'known_hosts');
  // OpenSSH refuses a key file without its final newline, and one readable by others.
  await writeFile(key, credentials.privateKey.trimEnd() + '\n', { mode: 0o600 });
  await writeFile(knownHosts, credentials.knownHosts.trimEnd() + '\n', { mode: 0o600 });
  return { GIT_SSH_COMMAND: sshCommand(key, knownHosts) };
}
