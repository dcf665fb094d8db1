import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { parse } from 'yaml';

import { MooringError } from '../core/errors.js';

const run = promisify(execFile);

/** How to reach and authenticate to one API server, resolved from a kubeconfig or the pod's service account. */
export interface ClusterAccess {
  server: string;
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
  tokenFile?: string;
  basic?: { username: string; password: string };
  exec?: ExecConfig;
}

export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

interface RawKubeconfig {
  'current-context'?: string;
  clusters?: (Named<unknown> & { cluster?: Record<string, unknown> })[];
  users?: (Named<unknown> & { user?: Record<string, unknown> })[];
  contexts?: (Named<unknown> & { context?: { cluster?: string; user?: string } })[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const b64 = (v: unknown): string | undefined =>
  str(v) === undefined ? undefined : Buffer.from(v as string, 'base64').toString('utf8');

/**
 * Reads a kubeconfig (pure apart from reading referenced files relative to it). Supports what clusters
 * hand out: CA data or file, client certificates, bearer tokens and token files, basic auth, exec plugins.
 */
export function accessFromKubeconfig(text: string, path: string, context?: string): ClusterAccess {
  const config = parse(text) as RawKubeconfig | null;
  const contextName = context ?? config?.['current-context'];
  const ctx = config?.contexts?.find((c) => c.name === contextName)?.context;
  if (ctx === undefined) {
    throw new MooringError('INVALID_ARGUMENT', `kubeconfig ${path} has no context "${contextName ?? ''}"`, {
      hint: 'pass --context NAME (kubectl config get-contexts lists them)',
    });
  }
  const cluster = config?.clusters?.find((c) => c.name === ctx.cluster)?.cluster ?? {};
  const user = config?.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const server = str(cluster.server);
  if (server === undefined)
    throw new MooringError(
      'INVALID_ARGUMENT',
      `kubeconfig ${path}: context "${contextName ?? ''}" has no cluster server`,
    );
  const file = (v: unknown): string | undefined => {
    const p = str(v);
    if (p === undefined) return undefined;
    const full = isAbsolute(p) ? p : resolve(dirname(path), p);
    try {
      return readFileSync(full, 'utf8');
    } catch {
      throw new MooringError(
        'INVALID_ARGUMENT',
        `kubeconfig ${path} refers to ${full}, which cannot be read`,
        {
          hint: 'fix the path in the kubeconfig, or embed the file with *-data fields',
        },
      );
    }
  };
  const exec = user.exec as
    | {
        command?: string;
        args?: string[];
        env?: { name: string; value: string }[] | null;
        apiVersion?: string;
      }
    | undefined;
  const access: ClusterAccess = { server };
  const set = <K extends keyof ClusterAccess>(key: K, value: ClusterAccess[K] | undefined): void => {
    if (value !== undefined) access[key] = value;
  };
  set('ca', b64(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']));
  set('insecureSkipTLSVerify', cluster['insecure-skip-tls-verify'] === true ? true : undefined);
  set('tlsServerName', str(cluster['tls-server-name']));
  set('clientCert', b64(user['client-certificate-data']) ?? file(user['client-certificate']));
  set('clientKey', b64(user['client-key-data']) ?? file(user['client-key']));
  set('token', str(user.token));
  const tokenFile = str(user.tokenFile);
  set(
    'tokenFile',
    tokenFile === undefined
      ? undefined
      : isAbsolute(tokenFile)
        ? tokenFile
        : resolve(dirname(path), tokenFile),
  );
  const username = str(user.username);
  const password = str(user.password);
  set('basic', username !== undefined && password !== undefined ? { username, password } : undefined);
  if (exec?.command !== undefined) {
    access.exec = {
      command: exec.command,
      args: exec.args ?? [],
      env: exec.env ?? [],
      apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
    };
  }
  return access;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Access from inside a pod: the mounted service-account token (re-read on refresh, it rotates) and CA. */
export function inClusterAccess(env: NodeJS.ProcessEnv = process.env): ClusterAccess | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || port === undefined || !existsSync(join(SERVICE_ACCOUNT, 'token')))
    return undefined;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server: `https://${hostPart}:${port}`,
    ca: readFileSync(join(SERVICE_ACCOUNT, 'ca.crt'), 'utf8'),
    tokenFile: join(SERVICE_ACCOUNT, 'token'),
  };
}

/** The kubeconfig path kubectl would use: $KUBECONFIG (first entry), else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (fromEnv !== undefined) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

/** Resolves the credentials that change over time: token files and exec plugins. */
export async function currentBearerToken(access: ClusterAccess): Promise<string | undefined> {
  if (access.tokenFile !== undefined) return readFileSync(access.tokenFile, 'utf8').trim();
  if (access.exec !== undefined) return execCredentialToken(access.exec);
  return access.token;
}

async function execCredentialToken(exec: ExecConfig): Promise<string | undefined> {
  const env = { ...process.env, ...Object.fromEntries(exec.env.map((e) => [e.name, e.value])) };
  try {
    const { stdout } = await run(exec.command, exec.args, { env, timeout: 30_000 });
    const credential = JSON.parse(stdout) as { status?: { token?: string } };
    return credential.status?.token;
  } catch (error) {
    throw new MooringError(
      'INVALID_ARGUMENT',
      `the kubeconfig's exec credential plugin "${exec.command}" failed`,
      {
        cause: error,
        hint: 'run the plugin by hand to see why (is it installed and logged in?)',
      },
    );
  }
}
