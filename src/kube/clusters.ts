/**
 * The registry of destination clusters. A cluster is a Secret in the controller namespace labelled
 * `mooring.dev/secret-type: cluster` (as Argo CD's `argocd.argoproj.io/secret-type: cluster`); only cluster
 * admins write Secrets there, so only they decide where Mooring may deploy. `in-cluster` is the controller's
 * own connection and needs no Secret. Each remote cluster gets its own client and discovery, made on first
 * use; the controller keeps a live cache per cluster next to it. An unknown name is an error, never the local
 * cluster; an unreachable cluster is reported with the time it went away, and never blocks the others.
 */
import { parse } from 'yaml';

import { errorMessage, MooringError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import { IN_CLUSTER } from '../crd/project.js';
import { KubeClient } from './client.js';
import { Discovery } from './discovery.js';
import type { ClusterAccess, ExecConfig } from './kubeconfig.js';
import { accessFromKubeconfig } from './kubeconfig.js';
import { ObjectsApi } from './objects-api.js';
import type { Watcher } from './watch.js';

export { IN_CLUSTER };

/** The label (and value) that makes a Secret in the controller namespace a destination cluster. */
export const CLUSTER_SECRET_LABEL = 'mooring.dev/secret-type';
export const CLUSTER_SECRET_TYPE = 'cluster';

/**
 * What a cluster Secret holds (every key a `data` / `stringData` entry):
 * - `name`: the name Applications and Projects use (default: the Secret's name);
 * - `server` (https only), `ca.crt`, and either `token`, or `tls.crt` + `tls.key`, or `exec` (JSON:
 *   `{command, args, env, apiVersion}`, a client-go credential plugin run by the controller);
 * - or `kubeconfig` (whole, with every file embedded as `*-data`) and optionally `context`;
 * - `tlsServerName`, `insecure` ("true": skip TLS verification — for local tests only);
 * - `namespaces`: comma-separated namespaces the credentials may watch (a namespaced-mode cluster).
 */
export interface ClusterConfig {
  name: string;
  /** `namespace/name` of the Secret it came from. */
  secret: string;
  access: ClusterAccess;
  /** Watch only these namespaces (the credentials have no cluster-wide list/watch). */
  namespaces?: string[];
}

/** A DNS-1123 label: what a cluster name must look like (it appears in Projects, labels and messages). */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The Secret's entries as text (data is base64, stringData wins as the API server would merge it). */
function secretEntries(secret: KubeObject): Map<string, string> {
  const entries = new Map<string, string>();
  const data = (secret.data ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(data))
    if (typeof v === 'string') entries.set(k, Buffer.from(v, 'base64').toString('utf8'));
  const stringData = (secret.stringData ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') entries.set(k, v);
  return entries;
}

/** Keys of a kubeconfig that name files: on the controller they would read its own disk. */
const FILE_KEYS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'];

/**
 * Reads one cluster Secret. Pure (a kubeconfig may not refer to files). Throws INVALID_ARGUMENT naming the
 * Secret and the key; never puts a credential in the message.
 */
export function clusterConfigFromSecret(secret: KubeObject): ClusterConfig {
  const where = `Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
  const bad = (message: string, hint: string): MooringError =>
    new MooringError('INVALID_ARGUMENT', `cluster ${where}: ${message}`, { hint, retry: 'terminal' });
  const entries = secretEntries(secret);
  const value = (key: string): string | undefined => {
    const v = entries.get(key)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const name = value('name') ?? secret.metadata.name;
  if (!CLUSTER_NAME.test(name) || name.length > 63)
    throw bad(`name "${name}" is not a DNS label`, 'use lowercase letters, digits and "-"');
  if (name === IN_CLUSTER)
    throw bad(
      `"${IN_CLUSTER}" is the controller's own cluster and cannot be redefined`,
      'give the cluster another name',
    );
  const kubeconfig = entries.get('kubeconfig');
  const access =
    kubeconfig === undefined
      ? accessFromKeys(value, bad)
      : accessFromEmbeddedKubeconfig(kubeconfig, value('context'), where, bad);
  if (!access.server.startsWith('https://'))
    throw bad(`server ${access.server} is not https`, 'Mooring only talks to API servers over HTTPS');
  if (
    access.token === undefined &&
    access.exec === undefined &&
    (access.clientCert === undefined || access.clientKey === undefined)
  )
    throw bad(
      'no credentials (token, tls.crt + tls.key, exec, or a kubeconfig user with one of them)',
      'mooring cluster add CONTEXT creates a ServiceAccount and stores its token',
    );
  const namespaces = value('namespaces')
    ?.split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return {
    name,
    secret: `${secret.metadata.namespace ?? ''}/${secret.metadata.name}`,
    access,
    ...(namespaces === undefined || namespaces.length === 0 ? {} : { namespaces }),
  };
}

function accessFromKeys(
  value: (key: string) => string | undefined,
  bad: (message: string, hint: string) => MooringError,
): ClusterAccess {
  const server = value('server');
  if (server === undefined) throw bad('no "server"', 'set server: https://HOST:PORT, or store a kubeconfig');
  const access: ClusterAccess = { server };
  const ca = value('ca.crt');
  if (ca !== undefined) access.ca = ca;
  const token = value('token');
  if (token !== undefined) access.token = token;
  const cert = value('tls.crt');
  const key = value('tls.key');
  if ((cert === undefined) !== (key === undefined))
    throw bad('"tls.crt" and "tls.key" go together', 'store both, or a token');
  if (cert !== undefined && key !== undefined) {
    access.clientCert = cert;
    access.clientKey = key;
  }
  const serverName = value('tlsServerName');
  if (serverName !== undefined) access.tlsServerName = serverName;
  if (value('insecure') === 'true') access.insecureSkipTLSVerify = true;
  const exec = value('exec');
  if (exec !== undefined) access.exec = execOf(exec, bad);
  return access;
}

function execOf(text: string, bad: (message: string, hint: string) => MooringError): ExecConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw bad(`"exec" is not JSON (${errorMessage(error)})`, 'exec: {"command": "...", "args": [...]}');
  }
  const r = (raw ?? {}) as { command?: unknown; args?: unknown; env?: unknown; apiVersion?: unknown };
  if (typeof r.command !== 'string' || r.command === '')
    throw bad('"exec" has no command', 'exec: {"command": "...", "args": [...]}');
  const args = Array.isArray(r.args) ? r.args.filter((a): a is string => typeof a === 'string') : [];
  const env = Array.isArray(r.env)
    ? (r.env as { name?: unknown; value?: unknown }[])
        .filter((e) => typeof e.name === 'string' && typeof e.value === 'string')
        .map((e) => ({ name: e.name as string, value: e.value as string }))
    : [];
  return {
    command: r.command,
    args,
    env,
    apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : 'client.authentication.k8s.io/v1',
  };
}

function accessFromEmbeddedKubeconfig(
  text: string,
  context: string | undefined,
  where: string,
  bad: (message: string, hint: string) => MooringError,
): ClusterAccess {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw bad(`"kubeconfig" is not YAML (${errorMessage(error)})`, 'store the file kubectl reads');
  }
  const sections = raw as { clusters?: { cluster?: object }[]; users?: { user?: object }[] } | null;
  const fields = [
    ...(sections?.clusters ?? []).map((c) => c.cluster ?? {}),
    ...(sections?.users ?? []).map((u) => u.user ?? {}),
  ];
  const fileKey = fields.flatMap((f) => Object.keys(f)).find((k) => FILE_KEYS.includes(k));
  if (fileKey !== undefined)
    throw bad(
      `"kubeconfig" refers to a file (${fileKey}), which would be read from the controller's disk`,
      'embed it: kubectl config view --flatten --minify',
    );
  try {
    return accessFromKubeconfig(text, `(${where} key kubeconfig)`, context);
  } catch (error) {
    throw bad(errorMessage(error), 'kubectl config view --flatten --minify gives a kubeconfig that works');
  }
}

/** What the registry knows of a cluster's reachability (for status messages and `mooring cluster list`). */
export interface ClusterHealth {
  name: string;
  /** undefined until the first use or probe. */
  reachable: boolean | undefined;
  /** ISO time the cluster stopped answering (while unreachable). */
  unreachableSince?: string;
  lastError?: string;
  version?: string;
}

/** One cluster's connection: the controller's identity there (reads, namespaces), and what it may watch. */
export interface ClusterConnection {
  name: string;
  objects: ObjectsApi;
  /** Watch only these namespaces there (undefined: cluster-wide). */
  namespaces?: readonly string[];
}

interface Entry {
  resourceVersion: string;
  config?: ClusterConfig;
  /** Why the Secret is unusable. */
  invalid?: MooringError;
  connection?: ClusterConnection;
  reachable?: boolean;
  unreachableSince?: number;
  lastError?: string;
  version?: string;
  discoveryLoaded: boolean;
}

export interface ClusterRegistryOptions {
  /** The controller's own connection: `in-cluster`, and where cluster Secrets are read. */
  local: ObjectsApi;
  /** The controller namespace: the only place cluster Secrets are read from. */
  namespace: string;
  logger: Logger;
  /** Namespaces the local connection watches (namespace-scoped install). */
  localNamespaces?: readonly string[];
  /** How often clusters in use are asked for /version (default 10 s). */
  probeIntervalMs?: number;
  /** How long one probe may take before the cluster counts as unreachable (default 5 s). */
  probeTimeoutMs?: number;
  /** A cluster was added, changed, removed, became unreachable or came back. */
  onChange?: (name: string) => void;
  /** The clock (ms), for `unreachableSince`. */
  now?: () => number;
}

/** Clusters by name, from the labelled Secrets of the controller namespace (a watch keeps them current). */
export class ClusterRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Secret name → cluster name, to forget a cluster when its Secret goes. */
  private readonly bySecret = new Map<string, string>();
  private watcher: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly local: ClusterConnection;

  constructor(private readonly options: ClusterRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.local = {
      name: IN_CLUSTER,
      objects: options.local,
      ...(options.localNamespaces === undefined ? {} : { namespaces: options.localNamespaces }),
    };
  }

  /** Lists and watches the cluster Secrets; resolves once listed (or after 10 s, so the controller starts). */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.watcher = this.options.local.watch({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: this.options.namespace,
        labelSelector: `${CLUSTER_SECRET_LABEL}=${CLUSTER_SECRET_TYPE}`,
        onEvent: (event) => {
          this.onSecret(event.type, event.object);
        },
        onSynced: resolve,
        onError: (error) => {
          this.options.logger.warn({ err: error.message }, 'cluster Secret watch interrupted; resuming');
        },
      });
      setTimeout(resolve, 10_000).unref();
    });
    const interval = this.options.probeIntervalMs ?? 10_000;
    this.timer = setInterval(() => {
      void this.probeAll();
    }, interval);
    this.timer.unref();
  }

  stop(): void {
    this.watcher?.stop();
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const entry of this.entries.values()) entry.connection?.objects.client.close();
  }

  /** Adds one cluster by hand (tests, and a registry without a watch). */
  put(config: ClusterConfig): void {
    this.replace(config.name, { resourceVersion: '', config, discoveryLoaded: false });
  }

  /** The connections made so far (`in-cluster` first): what has sent requests, for metrics. */
  openConnections(): ClusterConnection[] {
    const remote = [...this.entries.values()].flatMap((e) =>
      e.connection === undefined ? [] : [e.connection],
    );
    return [this.local, ...remote];
  }

  /** The names known, `in-cluster` first. */
  names(): string[] {
    return [IN_CLUSTER, ...[...this.entries.keys()].sort()];
  }

  /**
   * The connection to cluster `name`, made on first use (no request is sent here). Unknown or unusable
   * clusters are a terminal MooringError naming them: never the local cluster in their place.
   */
  connection(name: string): ClusterConnection {
    if (name === IN_CLUSTER) return this.local;
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new MooringError(
        'NOT_FOUND',
        `destination cluster "${name}" is not registered (no Secret labelled ${CLUSTER_SECRET_LABEL}=${CLUSTER_SECRET_TYPE} named it in ${this.options.namespace}); nothing is synced`,
        {
          retry: 'terminal',
          hint: `mooring cluster add CONTEXT --name ${name}, or set spec.destination.cluster to a registered cluster (mooring cluster list)`,
        },
      );
    }
    if (entry.invalid !== undefined || entry.config === undefined)
      throw entry.invalid ?? new MooringError('INVALID_ARGUMENT', `cluster "${name}" is unusable`);
    if (entry.connection === undefined) {
      const client = new KubeClient(entry.config.access);
      entry.connection = {
        name,
        objects: new ObjectsApi(client, new Discovery(client)),
        ...(entry.config.namespaces === undefined ? {} : { namespaces: entry.config.namespaces }),
      };
    }
    return entry.connection;
  }

  /**
   * Resolves when cluster `name` answers (loading its discovery the first time); otherwise throws a
   * transient MooringError "cluster X unreachable since T". `in-cluster` is always taken as reachable.
   */
  async ensureReachable(name: string): Promise<void> {
    if (name === IN_CLUSTER) return;
    const connection = this.connection(name);
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    if (entry.reachable !== true || !entry.discoveryLoaded) {
      await this.probe(name, entry, connection);
      if (entry.reachable === true && !entry.discoveryLoaded) {
        try {
          await connection.objects.discovery.load();
          entry.discoveryLoaded = true;
        } catch (error) {
          this.markUnreachable(name, entry, error);
        }
      }
    }
    if (entry.reachable !== true) throw this.unreachableError(name, entry);
  }

  /**
   * Asks cluster `name` whether it answers now (after a failed sync: was it the cluster?). Returns the
   * unreachable error when it does not, undefined when it answers or is `in-cluster` or unknown.
   */
  async check(name: string): Promise<MooringError | undefined> {
    if (name === IN_CLUSTER) return undefined;
    const entry = this.entries.get(name);
    const connection = entry?.connection;
    if (entry === undefined || connection === undefined) return undefined;
    await this.probe(name, entry, connection);
    return entry.reachable === true ? undefined : this.unreachableError(name, entry);
  }

  /** What is known of every cluster (in-cluster included, reachable by definition). */
  health(): ClusterHealth[] {
    return this.names().map((name) => this.healthOf(name));
  }

  /**
   * The host (and port) of cluster `name`'s API server, for people to read: never a credential (a URL's
   * user part is not a host). Undefined for `in-cluster`, an unknown cluster or an unusable Secret.
   */
  serverHost(name: string): string | undefined {
    const server = this.entries.get(name)?.config?.access.server;
    if (server === undefined) return undefined;
    try {
      return new URL(server).host;
    } catch {
      return undefined;
    }
  }

  healthOf(name: string): ClusterHealth {
    if (name === IN_CLUSTER) return { name, reachable: true };
    const entry = this.entries.get(name);
    if (entry === undefined) return { name, reachable: undefined, lastError: 'not registered' };
    return {
      name,
      reachable: entry.invalid === undefined ? entry.reachable : false,
      ...(entry.unreachableSince === undefined
        ? {}
        : { unreachableSince: new Date(entry.unreachableSince).toISOString() }),
      ...(entry.invalid !== undefined
        ? { lastError: entry.invalid.message }
        : entry.lastError === undefined
          ? {}
          : { lastError: entry.lastError }),
      ...(entry.version === undefined ? {} : { version: entry.version }),
    };
  }

  private unreachableError(name: string, entry: Entry): MooringError {
    const since = new Date(entry.unreachableSince ?? this.now()).toISOString();
    return new MooringError(
      'API_ERROR',
      `cluster ${name} unreachable since ${since}${entry.lastError === undefined ? '' : `: ${entry.lastError}`}`,
      {
        retry: 'transient',
        step: 'apply',
        hint: 'retried until it answers; its apps converge when it returns (mooring cluster list shows the last error)',
      },
    );
  }

  private async probe(name: string, entry: Entry, connection: ClusterConnection): Promise<void> {
    try {
      const answer = await connection.objects.client.request<{ gitVersion?: string } | undefined>({
        method: 'GET',
        path: '/version',
        verb: 'discovery',
        timeoutMs: this.options.probeTimeoutMs ?? 5_000,
      });
      const wasDown = entry.reachable === false;
      entry.reachable = true;
      delete entry.unreachableSince;
      delete entry.lastError;
      if (answer?.gitVersion !== undefined) entry.version = answer.gitVersion;
      if (wasDown) {
        this.options.logger.info({ cluster: name }, 'cluster reachable again');
        this.options.onChange?.(name);
      }
    } catch (error) {
      this.markUnreachable(name, entry, error);
    }
  }

  private markUnreachable(name: string, entry: Entry, error: unknown): void {
    const wasUp = entry.reachable !== false;
    entry.reachable = false;
    entry.unreachableSince ??= this.now();
    entry.lastError = errorMessage(error);
    if (wasUp) {
      this.options.logger.warn({ cluster: name, err: entry.lastError }, 'cluster unreachable');
      this.options.onChange?.(name);
    }
  }

  /** Probes every remote cluster in use (one /version each); transitions call onChange. */
  private async probeAll(): Promise<void> {
    await Promise.all(
      [...this.entries].map(async ([name, entry]) => {
        if (entry.connection !== undefined) await this.probe(name, entry, entry.connection);
      }),
    );
  }

  private onSecret(type: 'ADDED' | 'MODIFIED' | 'DELETED', secret: KubeObject): void {
    const secretName = secret.metadata.name;
    const before = this.bySecret.get(secretName);
    if (type === 'DELETED') {
      if (before !== undefined) this.remove(before, secretName);
      return;
    }
    const resourceVersion =
      typeof secret.metadata.resourceVersion === 'string' ? secret.metadata.resourceVersion : '';
    let entry: Entry;
    try {
      const config = clusterConfigFromSecret(secret);
      entry = { resourceVersion, config, discoveryLoaded: false };
    } catch (error) {
      const invalid =
        error instanceof MooringError ? error : new MooringError('INVALID_ARGUMENT', errorMessage(error));
      entry = { resourceVersion, invalid, discoveryLoaded: false };
      this.options.logger.warn({ secret: secretName, err: invalid.message }, 'unusable cluster Secret');
    }
    const name = entry.config?.name ?? before ?? secret.metadata.name;
    if (before !== undefined && before !== name) this.remove(before, secretName);
    const current = this.entries.get(name);
    if (current?.resourceVersion === resourceVersion) return;
    this.bySecret.set(secretName, name);
    this.replace(name, entry);
  }

  private replace(name: string, entry: Entry): void {
    this.entries.get(name)?.connection?.objects.client.close();
    this.entries.set(name, entry);
    this.options.onChange?.(name);
  }

  private remove(name: string, secretName: string): void {
    this.bySecret.delete(secretName);
    this.entries.get(name)?.connection?.objects.client.close();
    this.entries.delete(name);
    this.options.onChange?.(name);
  }
}
