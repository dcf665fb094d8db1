/**
 * Where `mooring login` keeps the API server and its token: `$XDG_CONFIG_HOME/mooring/config.json`
 * (default `~/.config/mooring/config.json`), mode 0600 in a 0700 directory. The token is never printed.
 */
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

import { MooringError } from '../core/errors.js';
import type { ClientOptions } from '../api/client.js';
import { MooringClient, serverOrigin } from '../api/client.js';

export interface StoredLogin {
  server: string;
  token: string;
  /** Path of the CA file given at login (read at each use, so a rotated CA is picked up). */
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
}

/** The config file's path. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ''
      ? env.XDG_CONFIG_HOME
      : join(homedir(), '.config');
  return join(base, 'mooring', 'config.json');
}

/** The stored login, or undefined when there is none. A damaged file is an error, not "no login". */
export async function readLogin(path = configPath()): Promise<StoredLogin | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredLogin>;
    if (typeof parsed.server !== 'string' || typeof parsed.token !== 'string')
      throw new Error('no server or token');
    return {
      server: parsed.server,
      token: parsed.token,
      ...(typeof parsed.caFile === 'string' ? { caFile: parsed.caFile } : {}),
      ...(parsed.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}),
    };
  } catch {
    throw new MooringError('INVALID_ARGUMENT', `${path} is not a mooring login`, {
      hint: 'log in again: mooring login --server URL --token-file FILE',
    });
  }
}

/** Stores the login, readable by its owner only (the file is created 0600 and chmod-ed if it existed). */
export async function writeLogin(login: StoredLogin, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = await open(path, 'w', 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(JSON.stringify(login, null, 2) + '\n');
  } finally {
    await file.close();
  }
  await chmod(path, 0o600);
}

/** The client options of a login (the CA file read now). */
export async function clientOptionsOf(login: StoredLogin): Promise<ClientOptions> {
  return {
    server: login.server,
    token: login.token,
    ...(login.caFile === undefined ? {} : { ca: await readFile(login.caFile, 'utf8') }),
    ...(login.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}),
  };
}

/**
 * The API client a command should use, or undefined to talk to the cluster as before:
 *  - `--server URL`: that server, with the stored token when the login is for it, else MOORING_TOKEN;
 *  - `--server` alone: the stored login (an error without one);
 *  - neither: the stored login when there is one and no --kubeconfig/--context was given.
 */
export async function apiClientFor(
  opts: { server?: string | boolean; kubeconfig?: string; context?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<MooringClient | undefined> {
  const login = await readLogin(configPath(env));
  if (opts.server === undefined || opts.server === false) {
    if (login === undefined || opts.kubeconfig !== undefined || opts.context !== undefined) return undefined;
    return new MooringClient(await clientOptionsOf(login));
  }
  if (opts.server === true) {
    if (login === undefined)
      throw new MooringError('INVALID_ARGUMENT', '--server without a URL needs a stored login', {
        hint: 'mooring login --server URL --token-file FILE',
      });
    return new MooringClient(await clientOptionsOf(login));
  }
  const origin = serverOrigin(opts.server);
  if (login !== undefined && serverOrigin(login.server) === origin)
    return new MooringClient(await clientOptionsOf(login));
  const token = env.MOORING_TOKEN;
  if (token === undefined || token === '')
    throw new MooringError('INVALID_ARGUMENT', `no token for ${origin}`, {
      hint: `mooring login --server ${origin} --token-file FILE (or set MOORING_TOKEN)`,
    });
  return new MooringClient({ server: origin, token });
}
