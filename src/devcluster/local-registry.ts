/**
 * A local OCI registry for the demo (and the tests' helper): Debian's `docker-registry` (CNCF distribution)
 * on a free loopback port with filesystem storage and optional push notifications, and a push of a tiny
 * image without Docker — a config blob, a layer blob and an OCI manifest through the distribution API.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

import { MooringError } from '../core/errors.js';
import { freePort } from './ports.js';

/** Where Debian's package `docker-registry` installs the registry (MOORING_REGISTRY_BINARY overrides). */
export const DEFAULT_REGISTRY_BINARY = '/usr/bin/docker-registry';

/** The registry binary to use, or undefined when it is not installed. */
export function findRegistryBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const binary = env.MOORING_REGISTRY_BINARY ?? DEFAULT_REGISTRY_BINARY;
  return existsSync(binary) ? binary : undefined;
}

export interface PushedImage {
  repository: string;
  tag: string;
  /** The manifest digest, `sha256:…`, as the registry computed it (Docker-Content-Digest). */
  digest: string;
  mediaType: string;
}

export interface RegistryReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A client certificate and key (PEM) for registries that require mutual TLS. */
export interface RegistryClientCertificate {
  certPem: string;
  keyPem: string;
}

/** One small HTTP(S) request with an optional CA and client certificate. */
export function registryRequest(
  url: string,
  init: {
    method: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    ca?: string | undefined;
    clientCertificate?: RegistryClientCertificate | undefined;
  },
): Promise<RegistryReply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const client = init.clientCertificate;
    const request = requester(
      target,
      {
        method: init.method,
        headers: init.headers ?? {},
        ...(init.ca === undefined ? {} : { ca: init.ca }),
        ...(client === undefined ? {} : { cert: client.certPem, key: client.keyPem }),
      },
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

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function pushFailed(what: string, reply: RegistryReply): MooringError {
  return new MooringError(
    'PROCESS_FAILED',
    `${what}: HTTP ${reply.status} ${reply.body.toString().slice(0, 300)}`,
    {},
  );
}

/**
 * Pushes a small unique image (config + one layer + OCI manifest) as `repository:tag` to the registry at
 * `url` (http(s)://host:port), with `headers` (authorization) on every request.
 */
export async function pushOciImage(
  url: string,
  repository: string,
  tag: string,
  options: {
    headers?: Record<string, string>;
    ca?: string | undefined;
    clientCertificate?: RegistryClientCertificate | undefined;
    content?: string;
  } = {},
): Promise<PushedImage> {
  const headers = options.headers ?? {};
  const { ca, clientCertificate } = options;
  const uploadBlob = async (data: Buffer): Promise<string> => {
    const digest = sha256(data);
    const start = await registryRequest(`${url}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers,
      ca,
      clientCertificate,
    });
    if (start.status !== 202) throw pushFailed('blob upload start', start);
    const location = new URL(String(start.headers.location), url);
    location.searchParams.set('digest', digest);
    const put = await registryRequest(location.toString(), {
      method: 'PUT',
      headers: {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': String(data.length),
      },
      body: data,
      ca,
      clientCertificate,
    });
    if (put.status !== 201) throw pushFailed('blob upload', put);
    return digest;
  };
  const content = options.content ?? `${repository}:${tag} ${randomBytes(8).toString('hex')}`;
  const layer = Buffer.from(content);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
      config: {},
    }),
  );
  const configDigest = await uploadBlob(config);
  const layerDigest = await uploadBlob(layer);
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
  const put = await registryRequest(`${url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': mediaType },
    body: manifest,
    ca,
    clientCertificate,
  });
  if (put.status !== 201) throw pushFailed(`manifest put ${repository}:${tag}`, put);
  const digest = String(put.headers['docker-content-digest']);
  if (digest !== sha256(manifest))
    throw new MooringError('PROCESS_FAILED', `registry digest ${digest} differs from ${sha256(manifest)}`);
  return { repository, tag, digest, mediaType };
}

/** The notifications section of a registry config: manifest pushes only, to `url` with `headers`. */
export function notificationConfigLines(notify: { url: string; headers?: Record<string, string> }): string[] {
  const lines = [
    'notifications:',
    '  endpoints:',
    '    - name: mooring',
    `      url: ${JSON.stringify(notify.url)}`,
  ];
  const headers = Object.entries(notify.headers ?? {});
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
  return lines;
}

/** Waits until the registry answers /v2/ (200 or 401), failing early when the process exits. */
export async function waitForRegistry(
  url: string,
  ca: string | undefined,
  child: ChildProcess,
  output: () => string,
  clientCertificate?: RegistryClientCertificate,
): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null)
      throw new MooringError('PROCESS_FAILED', `docker-registry exited (${child.exitCode}): ${output()}`);
    const reply = await registryRequest(`${url}/v2/`, { method: 'GET', ca, clientCertificate }).catch(
      () => undefined,
    );
    if (reply !== undefined && (reply.status === 200 || reply.status === 401)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new MooringError('PROCESS_FAILED', `docker-registry did not answer on ${url}: ${output()}`);
}

/** A registry started by startLocalRegistry. */
export interface LocalRegistry {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT — what an image name starts with. */
  host: string;
  push(repository: string, tag: string): Promise<PushedImage>;
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry` on loopback without auth (anyone on this machine may push: a demo, not a
 * service), storing under `dir` (emptied first), notifying `notify` of each manifest push.
 */
export async function startLocalRegistry(options: {
  binary: string;
  dir: string;
  notify?: { url: string; headers?: Record<string, string> };
}): Promise<LocalRegistry> {
  await rm(options.dir, { recursive: true, force: true });
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(options.dir, 'storage'))}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    ...(options.notify === undefined ? [] : notificationConfigLines(options.notify)),
  ];
  const config = join(options.dir, 'config.yml');
  await writeFile(config, `${lines.join('\n')}\n`, { mode: 0o600 });
  const child = spawn(options.binary, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      await exited;
    }
  };
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  try {
    await waitForRegistry(url, undefined, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, host, push: (repository, tag) => pushOciImage(url, repository, tag), stop };
}
