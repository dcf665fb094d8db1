import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { MooringError } from '../core/errors.js';
import type { ClusterLayout } from './layout.js';
import { pkiPaths } from './layout.js';

const run = promisify(execFile);

/** Names and addresses the API server's certificate is valid for. */
export const SERVER_SANS = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  'IP:10.96.0.1',
];

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const enoent = (error as { code?: string }).code === 'ENOENT';
    throw new MooringError(
      enoent ? 'PREREQUISITE_MISSING' : 'PROCESS_FAILED',
      enoent ? 'openssl is not installed' : `openssl ${args[0] ?? ''} failed: ${stderr.trim()}`,
      { cause: error, hint: enoent ? 'install openssl with your package manager' : undefined },
    );
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signedCert(
  base: { cert: string; key: string },
  ca: { cert: string; key: string },
  subject: string,
  extensions: string,
): Promise<void> {
  const csr = `${base.cert}.csr`;
  const ext = `${base.cert}.ext`;
  await writeFile(ext, extensions);
  await openssl(['req', ...EC_KEY, '-keyout', base.key, '-out', csr, '-subj', subject]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    base.cert,
    '-days',
    '365',
    '-extfile',
    ext,
  ]);
}

/**
 * Creates a CA, the API server's serving certificate, an admin client certificate (group system:masters)
 * and the service-account signing key pair, as kwokctl and envtest do.
 */
export async function createClusterPki(layout: ClusterLayout): Promise<void> {
  const p = pkiPaths(layout);
  await mkdir(layout.pki, { recursive: true, mode: 0o700 });
  await openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    p.caKey,
    '-out',
    p.caCert,
    '-days',
    '3650',
    '-subj',
    `/CN=mooring-dev-${layout.name}-ca`,
  ]);
  const ca = { cert: p.caCert, key: p.caKey };
  await signedCert(
    { cert: p.serverCert, key: p.serverKey },
    ca,
    '/CN=kube-apiserver',
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${SERVER_SANS.join(',')}`,
      '',
    ].join('\n'),
  );
  await signedCert(
    { cert: p.adminCert, key: p.adminKey },
    ca,
    '/O=system:masters/CN=mooring-admin',
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
  );
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p.saKey]);
  await openssl(['ec', '-in', p.saKey, '-pubout', '-out', p.saPub]);
  await writeFile(
    join(layout.pki, 'README'),
    'Test-only certificates of a local Mooring dev cluster. Never reuse them.\n',
  );
}
