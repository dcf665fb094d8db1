/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) on a free loopback port,
 * with a temporary config — filesystem storage, optional htpasswd basic auth, optional token auth (a tiny
 * token service in this process issuing ES256 JWTs with an x5c chain, as real registries' token services
 * do), optional TLS from a test CA made with openssl, optional notifications to a webhook URL. Images are
 * pushed without Docker: a config blob, a layer blob and an OCI manifest through the distribution API.
 *
 * ```ts
 * const registry = await startRegistry(t, { auth: 'basic' });
 * const pushed = await registry.pushImage('team/app', '1.2.3');   // pushed.digest = 'sha256:…'
 * ```
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import { SignJWT, importPKCS8 } from 'jose';

import {
  notificationConfigLines,
  pushOciImage,
  registryRequest,
  waitForRegistry,
} from '../../src/devcluster/local-registry.js';
import type { PushedImage, RegistryClientCertificate } from '../../src/devcluster/local-registry.js';
import { freePort } from '../../src/devcluster/ports.js';

const run = promisify(execFile);

/** The registry binary (Debian package docker-registry; .ci/run installs it). */
export const REGISTRY_BINARY = process.env.MOORING_TEST_REGISTRY ?? '/usr/bin/docker-registry';

/** The user and password of the registry's basic and token auth. */
export const REGISTRY_USER = 'mooring';
export const REGISTRY_PASSWORD = 'registry-test-password';
// bcrypt (cost 4, fast for tests) of REGISTRY_PASSWORD: distribution's htpasswd accepts only bcrypt.
const REGISTRY_PASSWORD_BCRYPT = '$2b$04$7pRi4vkg.cTij6efxefXCOmuh9apiRuisfQVrZvGEDuhXMGbFq5da';

/** The `service` the registry's token auth names in its Bearer challenge. */
export const TOKEN_SERVICE = 'mooring-test-registry';
const TOKEN_ISSUER = 'mooring-test-token-service';

export interface RegistryOptions {
  /** none (default): anyone may pull and push; basic: htpasswd; token: Bearer tokens from a token service. */
  auth?: 'none' | 'basic' | 'token';
  /** Serve https with a certificate from a fresh test CA (`caPem`); default plain http. */
  tls?: boolean;
  /**
   * With tls: require a client certificate signed by a second test CA (distribution's `tls.clientcas`), and
   * serve the token service (auth token) over https requiring one too. `clientCertificate` is a good one.
   */
  clientCertificates?: boolean;
  /** Send distribution notifications (push events) to this URL with these headers. */
  notify?: { url: string; headers?: Record<string, string> };
}

export type { PushedImage };

export interface TestRegistry {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT — what an image name starts with. */
  host: string;
  /** The test CA's certificate (PEM) when tls is on. */
  caPem: string | undefined;
  /** With clientCertificates: a client certificate and key the registry and token service accept. */
  clientCertificate: RegistryClientCertificate | undefined;
  /** With clientCertificates: one signed by another CA, which they refuse. */
  untrustedClientCertificate: RegistryClientCertificate | undefined;
  /** The token service's base URL when auth is token (its realm is `${tokenUrl}/token`). */
  tokenUrl: string | undefined;
  /** Requests the token service answered, for tests that count them. */
  tokenRequests: { scope: string; authorised: boolean }[];
  /** Pushes a small unique image (config + one layer + OCI manifest) as repository:tag. */
  pushImage(repository: string, tag: string, options?: { content?: string }): Promise<PushedImage>;
  /** A kubernetes.io/dockerconfigjson `.dockerconfigjson` value for this registry's user. */
  dockerConfigJson(): string;
  /** Everything the registry printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const send = registryRequest;

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA and a serving certificate for 127.0.0.1 / localhost signed by it. */
async function makeTlsFiles(dir: string): Promise<{ caPem: string; cert: string; key: string }> {
  await openssl(
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=mooring-test-registry-ca',
    ],
    dir,
  );
  await openssl(
    ['req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'],
    dir,
  );
  await writeFile(
    join(dir, 'server.ext'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  return {
    caPem: await readFile(join(dir, 'ca.crt'), 'utf8'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
  };
}

/**
 * A client CA (`<name>-ca.crt`) and a client certificate signed by it (`<name>.crt`, `<name>.key`), for
 * mutual TLS.
 */
async function makeClientCertificate(
  dir: string,
  name: string,
): Promise<{ caFile: string; caPem: string; certificate: RegistryClientCertificate }> {
  await openssl(
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      `${name}-ca.key`,
      '-out',
      `${name}-ca.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}-ca`,
    ],
    dir,
  );
  await openssl(
    ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
    dir,
  );
  await writeFile(
    join(dir, `${name}.ext`),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${name}-ca.crt`,
      '-CAkey',
      `${name}-ca.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
  return {
    caFile: join(dir, `${name}-ca.crt`),
    caPem: await readFile(join(dir, `${name}-ca.crt`), 'utf8'),
    certificate: {
      certPem: await readFile(join(dir, `${name}.crt`), 'utf8'),
      keyPem: await readFile(join(dir, `${name}.key`), 'utf8'),
    },
  };
}

/** The token service: a self-signed signing certificate (the registry's rootcertbundle) and an HTTP server. */
async function startTokenService(
  dir: string,
  requests: TestRegistry['tokenRequests'],
  mutualTls?: { cert: string; key: string; clientCaPem: string },
): Promise<{ server: Server; url: string; bundle: string }> {
  await openssl(
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      'token.key',
      '-out',
      'token.crt',
      '-days',
      '2',
      '-subj',
      '/CN=mooring-test-token-signer',
    ],
    dir,
  );
  const certPem = await readFile(join(dir, 'token.crt'), 'utf8');
  const keyPem = createPrivateKey(await readFile(join(dir, 'token.key')))
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const signingKey = await importPKCS8(keyPem, 'ES256');
  const x5c = new X509Certificate(certPem).raw.toString('base64');
  const expected = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const scope = url.searchParams.get('scope') ?? '';
    const authorised = req.headers.authorization === expected;
    requests.push({ scope, authorised });
    if (url.pathname !== '/token' || url.searchParams.get('service') !== TOKEN_SERVICE || !authorised) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const access =
      scope === ''
        ? []
        : scope.split(' ').map((one) => {
            const [type = '', name = '', actions = ''] = one.split(':');
            return { type, name, actions: actions.split(',').filter((a) => a !== '') };
          });
    const now = Math.floor(Date.now() / 1000);
    void new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [x5c] })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(REGISTRY_USER)
      .setAudience(TOKEN_SERVICE)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 300)
      .setJti(randomBytes(8).toString('hex'))
      .sign(signingKey)
      .then((token) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            token,
            access_token: token,
            expires_in: 300,
            issued_at: new Date().toISOString(),
          }),
        );
      });
  };
  // With mutual TLS, a client without a certificate from the client CA never gets past the handshake.
  const server =
    mutualTls === undefined
      ? createServer(handler)
      : createHttpsServer(
          {
            cert: await readFile(mutualTls.cert),
            key: await readFile(mutualTls.key),
            ca: mutualTls.clientCaPem,
            requestCert: true,
            rejectUnauthorized: true,
          },
          handler,
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = mutualTls === undefined ? 'http' : 'https';
  return { server, url: `${scheme}://127.0.0.1:${port}`, bundle: join(dir, 'token.crt') };
}

function registryConfig(
  dir: string,
  port: number,
  options: RegistryOptions,
  tls: { cert: string; key: string; clientCa?: string | undefined } | undefined,
  token: { url: string; bundle: string } | undefined,
): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(dir, 'storage'))}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (tls !== undefined)
    lines.push(
      '  tls:',
      `    certificate: ${JSON.stringify(tls.cert)}`,
      `    key: ${JSON.stringify(tls.key)}`,
      ...(tls.clientCa === undefined ? [] : ['    clientcas:', `      - ${JSON.stringify(tls.clientCa)}`]),
    );
  if (options.auth === 'basic') {
    lines.push(
      'auth:',
      '  htpasswd:',
      '    realm: mooring-test',
      `    path: ${JSON.stringify(join(dir, 'htpasswd'))}`,
    );
  }
  if (token !== undefined) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(`${token.url}/token`)}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${JSON.stringify(token.bundle)}`,
    );
  }
  if (options.notify !== undefined) lines.push(...notificationConfigLines(options.notify));
  return `${lines.join('\n')}\n`;
}

/** Starts a registry for one test; it is stopped and its files removed when the test ends. */
export async function startRegistry(t: TestContext, options: RegistryOptions = {}): Promise<TestRegistry> {
  const registry = await launchRegistry(options);
  t.after(() => registry.stop());
  return registry;
}

/** Starts a registry; the caller stops it (for `before`/`after` hooks shared by several tests). */
export async function launchRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'mooring-registry-'));
  const tokenRequests: TestRegistry['tokenRequests'] = [];
  let child: ChildProcess | undefined;
  let tokenServer: Server | undefined;
  let output = '';
  const stop = async (): Promise<void> => {
    const running = child;
    if (running?.exitCode === null && running.signalCode === null) {
      const exited = new Promise<void>((resolve) => {
        running.once('exit', () => {
          resolve();
        });
      });
      running.kill('SIGTERM');
      await exited;
    }
    const server = tokenServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const tls = options.tls === true ? await makeTlsFiles(dir) : undefined;
    const client =
      tls !== undefined && options.clientCertificates === true
        ? await makeClientCertificate(dir, 'client')
        : undefined;
    const untrusted = client === undefined ? undefined : await makeClientCertificate(dir, 'untrusted');
    const clientCertificate = client?.certificate;
    const token =
      options.auth === 'token'
        ? await startTokenService(
            dir,
            tokenRequests,
            tls === undefined || client === undefined ? undefined : { ...tls, clientCaPem: client.caPem },
          )
        : undefined;
    tokenServer = token?.server;
    if (options.auth === 'basic')
      await writeFile(join(dir, 'htpasswd'), `${REGISTRY_USER}:${REGISTRY_PASSWORD_BCRYPT}\n`);
    const port = await freePort();
    await writeFile(
      join(dir, 'config.yml'),
      registryConfig(dir, port, options, tls && { ...tls, clientCa: client?.caFile }, token),
    );
    child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const scheme = tls === undefined ? 'http' : 'https';
    const host = `127.0.0.1:${port}`;
    const url = `${scheme}://${host}`;
    const ca = tls?.caPem;
    await waitForRegistry(url, ca, child, () => output, clientCertificate);
    const basic = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;

    const authorization = async (repository: string): Promise<Record<string, string>> => {
      if (options.auth === 'basic') return { authorization: basic };
      if (token === undefined) return {};
      const scope = `repository:${repository}:pull,push`;
      const reply = await send(
        `${token.url}/token?service=${TOKEN_SERVICE}&scope=${encodeURIComponent(scope)}`,
        { method: 'GET', headers: { authorization: basic }, ca, clientCertificate },
      );
      const { token: bearer } = JSON.parse(reply.body.toString()) as { token: string };
      return { authorization: `Bearer ${bearer}` };
    };

    const pushImage: TestRegistry['pushImage'] = async (repository, tag, pushOptions = {}) =>
      pushOciImage(url, repository, tag, {
        headers: await authorization(repository),
        ca,
        clientCertificate,
        ...(pushOptions.content === undefined ? {} : { content: pushOptions.content }),
      });

    return {
      url,
      host,
      caPem: ca,
      clientCertificate,
      untrustedClientCertificate: untrusted?.certificate,
      tokenUrl: token?.url,
      tokenRequests,
      pushImage,
      dockerConfigJson: () =>
        JSON.stringify({
          auths: {
            [host]: { auth: Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64') },
          },
        }),
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`registry did not start: ${String(error)}\n${output}`, { cause: error });
  }
}
