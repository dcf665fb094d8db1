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
import { createHash, randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

import { SignJWT, importPKCS8 } from 'jose';

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
  /** Send distribution notifications (push events) to this URL with these headers. */
  notify?: { url: string; headers?: Record<string, string> };
}

export interface PushedImage {
  repository: string;
  tag: string;
  /** The manifest digest, `sha256:…`, as the registry computed it (Docker-Content-Digest). */
  digest: string;
  mediaType: string;
}

export interface TestRegistry {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT — what an image name starts with. */
  host: string;
  /** The test CA's certificate (PEM) when tls is on. */
  caPem: string | undefined;
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

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP(S) request with an optional CA; bodies are small in tests. */
function send(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: Buffer | string; ca?: string | undefined },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = requester(
      target,
      { method: init.method, headers: init.headers ?? {}, ...(init.ca === undefined ? {} : { ca: init.ca }) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.setTimeout(15_000, () => request.destroy(new Error(`${init.method} ${url} timed out`)));
    request.end(init.body);
  });
}

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

/** The token service: a self-signed signing certificate (the registry's rootcertbundle) and an HTTP server. */
async function startTokenService(
  dir: string,
  requests: TestRegistry['tokenRequests'],
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
  const server = createServer((req, res) => {
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, bundle: join(dir, 'token.crt') };
}

function registryConfig(
  dir: string,
  port: number,
  options: RegistryOptions,
  tls: { cert: string; key: string } | undefined,
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
  if (options.notify !== undefined) {
    lines.push(
      'notifications:',
      '  endpoints:',
      '    - name: mooring',
      `      url: ${JSON.stringify(options.notify.url)}`,
    );
    const headers = Object.entries(options.notify.headers ?? {});
    if (headers.length > 0) {
      lines.push('      headers:');
      for (const [name, value] of headers) lines.push(`        ${name}: [${JSON.stringify(value)}]`);
    }
    lines.push(
      '      timeout: 2s',
      '      threshold: 3',
      '      backoff: 1s',
      // Blob pushes are not image pushes: only manifests reach the webhook.
      '      ignoredmediatypes:',
      '        - application/octet-stream',
      '      ignore:',
      '        actions: [pull]',
    );
  }
  return `${lines.join('\n')}\n`;
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

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
    const token = options.auth === 'token' ? await startTokenService(dir, tokenRequests) : undefined;
    tokenServer = token?.server;
    if (options.auth === 'basic')
      await writeFile(join(dir, 'htpasswd'), `${REGISTRY_USER}:${REGISTRY_PASSWORD_BCRYPT}\n`);
    const port = await freePort();
    await writeFile(join(dir, 'config.yml'), registryConfig(dir, port, options, tls, token));
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
    await waitUntilServing(url, ca, child, () => output);
    const basic = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;

    const authorization = async (repository: string): Promise<Record<string, string>> => {
      if (options.auth === 'basic') return { authorization: basic };
      if (token === undefined) return {};
      const scope = `repository:${repository}:pull,push`;
      const reply = await send(
        `${token.url}/token?service=${TOKEN_SERVICE}&scope=${encodeURIComponent(scope)}`,
        {
          method: 'GET',
          headers: { authorization: basic },
        },
      );
      const { token: bearer } = JSON.parse(reply.body.toString()) as { token: string };
      return { authorization: `Bearer ${bearer}` };
    };

    const uploadBlob = async (
      repository: string,
      headers: Record<string, string>,
      data: Buffer,
    ): Promise<string> => {
      const digest = sha256(data);
      const start = await send(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers, ca });
      if (start.status !== 202)
        throw new Error(`blob upload start: ${start.status} ${start.body.toString()}`);
      const location = new URL(String(start.headers.location), url);
      location.searchParams.set('digest', digest);
      const put = await send(location.toString(), {
        method: 'PUT',
        headers: {
          ...headers,
          'content-type': 'application/octet-stream',
          'content-length': String(data.length),
        },
        body: data,
        ca,
      });
      if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${put.body.toString()}`);
      return digest;
    };

    const pushImage: TestRegistry['pushImage'] = async (repository, tag, pushOptions = {}) => {
      const headers = await authorization(repository);
      const content = pushOptions.content ?? `${repository}:${tag} ${randomBytes(8).toString('hex')}`;
      const layer = Buffer.from(content);
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
          config: {},
        }),
      );
      const configDigest = await uploadBlob(repository, headers, config);
      const layerDigest = await uploadBlob(repository, headers, layer);
      const mediaType = 'application/vnd.oci.image.manifest.v1+json';
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: configDigest,
          size: config.length,
        },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
        ],
      });
      const put = await send(`${url}/v2/${repository}/manifests/${tag}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': mediaType },
        body: manifest,
        ca,
      });
      if (put.status !== 201)
        throw new Error(`manifest put ${repository}:${tag}: ${put.status} ${put.body.toString()}`);
      const digest = String(put.headers['docker-content-digest']);
      if (digest !== sha256(manifest))
        throw new Error(`registry digest ${digest} differs from ${sha256(manifest)}`);
      return { repository, tag, digest, mediaType };
    };

    return {
      url,
      host,
      caPem: ca,
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

async function waitUntilServing(
  url: string,
  ca: string | undefined,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${output()}`);
    const reply = await send(`${url}/v2/`, { method: 'GET', ca }).catch(() => undefined);
    if (reply !== undefined && (reply.status === 200 || reply.status === 401)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer on ${url}: ${output()}`);
}
