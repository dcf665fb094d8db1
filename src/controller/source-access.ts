import { MooringError } from '../core/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { GitCredentials } from '../source/types.js';
import type { Application } from './app-types.js';

const decode = (v: unknown): string | undefined =>
  typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;

/**
 * Git credentials from the Secret an Application names (in the Application's namespace): keys
 * `username` + `password` (or `token`), or `sshPrivateKey` + `knownHosts`.
 */
export async function credentialsOf(
  objects: ObjectsApi,
  app: Application,
): Promise<GitCredentials | undefined> {
  const name = app.spec.source.secretRef?.name;
  if (name === undefined) return undefined;
  const namespace = app.metadata.namespace ?? 'default';
  const secret = await objects.get('v1', { group: '', kind: 'Secret', namespace, name });
  if (secret === undefined) {
    throw new MooringError(
      'SOURCE_FAILED',
      `secret ${namespace}/${name} named by spec.source.secretRef does not exist`,
      {
        step: 'source',
        hint: 'create it with keys username and password (or token), or sshPrivateKey and knownHosts',
      },
    );
  }
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const password = decode(data.password) ?? decode(data.token);
  if (password !== undefined) return { kind: 'basic', username: decode(data.username) ?? 'git', password };
  const privateKey = decode(data.sshPrivateKey);
  const knownHosts = decode(data.knownHosts);
  if (privateKey !== undefined && knownHosts !== undefined) return { kind: 'ssh', privateKey, knownHosts };
  throw new MooringError(
    'SOURCE_FAILED',
    `secret ${namespace}/${name} has neither password/token nor sshPrivateKey+knownHosts`,
    {
      step: 'source',
      hint: 'add the keys the repository needs to the secret',
    },
  );
}
