/**
 * The trusted public keys an Application names in spec.source.verify.secretRef, read from a Secret in
 * the Application's namespace: OpenPGP keys as `*.asc`, SSH keys as `*.pub` or `allowed_signers`.
 */
import { MooringError } from '../core/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { TrustedKey, VerifySpec } from '../source/index.js';
import { sshKeysOf } from '../source/verify-parse.js';
import type { Application } from './app-types.js';

/** The Secret's keys as trusted keys; pure, so the rules are unit-tested. Unknown key names are ignored. */
export function trustedKeysOf(origin: string, data: Record<string, unknown>): TrustedKey[] {
  const keys: TrustedKey[] = [];
  for (const name of Object.keys(data).sort()) {
    const value = data[name];
    if (typeof value !== 'string') continue;
    const text = Buffer.from(value, 'base64').toString('utf8');
    if (name.endsWith('.asc')) {
      if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----'))
        throw invalidKeys(origin, `${name} is not an armored OpenPGP public key`);
      keys.push({ source: name, format: 'openpgp', text });
    } else if (name.endsWith('.pub') || name === 'allowed_signers') {
      const { keys: ssh, rejected } = sshKeysOf(name, text);
      if (rejected.length > 0)
        throw invalidKeys(
          origin,
          `${name} has a line that is not an SSH public key: "${rejected[0] ?? ''}..."`,
        );
      keys.push(...ssh);
    }
  }
  return keys;
}

function invalidKeys(origin: string, what: string): MooringError {
  return new MooringError('UNVERIFIED_SOURCE', `${origin}: ${what}`, {
    step: 'source',
    subject: origin,
    hint: 'store OpenPGP keys as gpg --armor --export output (*.asc) and SSH keys as "type base64 comment" lines (*.pub)',
  });
}

/** What spec.source.verify asks for, with the Secret's keys; undefined when the app does not ask. */
export async function verifySpecOf(objects: ObjectsApi, app: Application): Promise<VerifySpec | undefined> {
  const verify = app.spec.source.verify;
  if (verify === undefined) return undefined;
  const namespace = app.metadata.namespace ?? 'default';
  const name = verify.secretRef.name;
  const origin = `Secret ${namespace}/${name}`;
  const secret = await objects.get('v1', { group: '', kind: 'Secret', namespace, name });
  if (secret === undefined)
    throw new MooringError(
      'UNVERIFIED_SOURCE',
      `${origin} named by spec.source.verify.secretRef does not exist, so no revision can be verified`,
      {
        step: 'source',
        subject: origin,
        hint: 'create it with the trusted public keys (*.asc, *.pub or allowed_signers)',
      },
    );
  const keys = trustedKeysOf(origin, (secret.data ?? {}) as Record<string, unknown>);
  if (keys.length === 0)
    throw invalidKeys(origin, 'holds no *.asc, *.pub or allowed_signers key, so no revision can be verified');
  return { mode: verify.mode ?? 'head', keys, origin };
}
