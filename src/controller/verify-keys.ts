/**
 * The trusted public keys an Application names in spec.source.verify.secretRef, read from a Secret in
 * the Application's namespace: OpenPGP keys as `*.asc`, SSH keys as `*.pub` or `allowed_signers`.
 */
import { MooringError } from '../core/errors.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { TrustedKey, VerifySpec } from '../source/index.js';
import { sshKeysOf } from '../source/verify-parse.js';
import type { Project } from '../crd/project.js';
import type { Application } from '../app/model.js';

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

/**
 * What the app's Project and spec.source.verify ask for, with the Secret's keys; undefined when neither asks.
 * A Project's sourceVerification wins: its keys (from the Project's namespace) are the only trusted ones, and
 * the app may only make the mode stricter (tag or tagAndHead).
 */
export async function verifySpecOf(
  objects: ObjectsApi,
  app: Application,
  project?: Project,
): Promise<VerifySpec | undefined> {
  const verify = app.spec.source.verify;
  const required = project?.spec.sourceVerification;
  if (required !== undefined) {
    const field = `Project ${project?.metadata.name ?? ''} spec.sourceVerification.secretRef`;
    const keys = await readKeys(objects, project?.metadata.namespace ?? '', required.secretRef.name, field);
    return { mode: verify?.mode ?? 'head', ...keys };
  }
  if (verify === undefined) return undefined;
  const namespace = app.metadata.namespace;
  const keys = await readKeys(objects, namespace, verify.secretRef.name, 'spec.source.verify.secretRef');
  return { mode: verify.mode ?? 'head', ...keys };
}

async function readKeys(
  objects: ObjectsApi,
  namespace: string,
  name: string,
  field: string,
): Promise<Pick<VerifySpec, 'keys' | 'origin'>> {
  const origin = `Secret ${namespace}/${name}`;
  const secret = await objects.get('v1', { group: '', kind: 'Secret', namespace, name });
  if (secret === undefined)
    throw new MooringError(
      'UNVERIFIED_SOURCE',
      `${origin} named by ${field} does not exist, so no revision can be verified`,
      {
        step: 'source',
        subject: origin,
        hint: 'create it with the trusted public keys (*.asc, *.pub or allowed_signers)',
      },
    );
  const keys = trustedKeysOf(origin, (secret.data ?? {}) as Record<string, unknown>);
  if (keys.length === 0)
    throw invalidKeys(origin, 'holds no *.asc, *.pub or allowed_signers key, so no revision can be verified');
  return { keys, origin };
}
