/**
 * The image scan controller: watches ImageRepositories and ImagePolicies, scans each repository on its
 * interval (with jitter) and at once when a registry webhook names it or its spec changes, and re-chooses
 * the latest image of every policy on that repository after each scan. One scan at a time per repository
 * (triggers arriving meanwhile fold into one more scan); policies share their repository's tag list and
 * registry client (tokens and ETags). Statuses go through the status subresource; Events and metrics
 * through an injected sink.
 */
import type { Logger } from '../core/logger.js';
import type { KubeObject } from '../core/objects.js';
import { errorMessage, MooringError } from '../core/errors.js';
import { MOORING_API_VERSION, durationMs } from '../crd/common.js';
import { IMAGE_POLICY_KIND, parseImagePolicy } from '../crd/image-policy.js';
import type { ImagePolicy, ImagePolicyStatus } from '../crd/image-policy.js';
import { IMAGE_REPOSITORY_KIND, parseImageRepository } from '../crd/image-repository.js';
import type { ImageRepository, ImageRepositoryStatus } from '../crd/image-repository.js';
import type { ObjectsApi } from '../kube/objects-api.js';
import type { Watcher } from '../kube/watch.js';
import { credentialsFor } from './registry/credentials.js';
import { RateLimitedError, RegistryClient } from './registry/client.js';
import type { RegistryLimits } from './registry/client.js';
import { parseImageName } from './registry/reference.js';
import type { ClientCertificate } from './registry/http.js';
import { evaluatePolicy, failedScan, scanRepository } from './scan.js';
import type { ImageEvent, RepositoryView, ScanTrigger } from './scan.js';
import type { Egress } from '../net/egress.js';
import { kindsServed } from '../kube/kinds-served.js';
import { watchScopes } from '../kube/watch-scopes.js';

/** Where Events and metrics go; each call is best effort. */
export interface ImageScanSink {
  /** An Event on an ImageRepository or ImagePolicy. */
  event(object: ImageRepository | ImagePolicy, event: ImageEvent): void;
  /** One finished scan, for metrics. */
  scanned?(result: ScanMetrics): void;
  /** A policy's latestImage changed. */
  imageChanged?(policy: string, from: string | undefined, to: string): void;
  /** An ImageRepository (`namespace/name`) was deleted: its metrics series go. */
  forgotten?(repository: string): void;
}

export interface ScanMetrics {
  repository: string;
  outcome: 'success' | 'failure';
  trigger: ScanTrigger;
  durationMs: number;
  tags: number | undefined;
}

export interface ImageScanOptions {
  objects: ObjectsApi;
  logger: Logger;
  /** Namespaces watched: 'all' or a list. */
  namespaces: string[] | 'all';
  sink?: ImageScanSink;
  now?: () => Date;
  /** In [0, 1): spreads scans of many repositories (interval × 0.9–1.1). */
  random?: () => number;
  registryLimits?: Partial<RegistryLimits>;
  /** Which addresses registries may be reached at (default: public only). */
  egress?: Egress;
}

interface RepoState {
  repo: ImageRepository;
  client: RegistryClient | undefined;
  clientKey: string;
  tags: string[] | undefined;
  lastError: string | undefined;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  pendingScan: ScanTrigger | undefined;
  /**
   * Tags a webhook said were pushed, not yet seen in a listing, with the rescans left. Distribution sends
   * its notification before it links the tag, so the scan a webhook starts can miss it by milliseconds.
   */
  expectedTags: Map<string, number>;
  pendingPolicies: Set<string>;
  lastGeneration: number;
}

/** Quick rescans for a pushed tag the listing does not show yet, and the pause between them. */
const EXPECTED_TAG_RESCANS = 5;
const EXPECTED_TAG_RESCAN_MS = 300;

const keyOf = (obj: { metadata: { namespace?: string | undefined; name: string } }): string =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/** Runs the scans; start() returns false (and does nothing) when the image CRDs are not installed. */
export class ImageScanController {
  private readonly repos = new Map<string, RepoState>();
  private readonly policies = new Map<string, ImagePolicy>();
  private readonly digestRetries = new Map<string, number>();
  private readonly watches: Watcher[] = [];
  private readonly now: () => Date;
  private readonly random: () => number;
  private stopped = false;

  constructor(private readonly options: ImageScanOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /** Watches both kinds; resolves once both are listed. False when the CRDs are not served. */
  async start(): Promise<boolean> {
    const served = await kindsServed(this.options.objects.discovery, MOORING_API_VERSION, [
      IMAGE_REPOSITORY_KIND,
      IMAGE_POLICY_KIND,
    ]);
    if (!served) {
      this.options.logger.info(
        {},
        'image automation off: the ImageRepository/ImagePolicy CRDs are not installed',
      );
      return false;
    }
    const namespaces = watchScopes(this.options.namespaces);
    await Promise.all(
      namespaces.flatMap((namespace) => [
        this.watch(IMAGE_POLICY_KIND, namespace, (type, obj) => {
          this.onPolicy(type, obj);
        }),
        this.watch(IMAGE_REPOSITORY_KIND, namespace, (type, obj) => {
          this.onRepository(type, obj);
        }),
      ]),
    );
    this.options.logger.info(
      { repositories: this.repos.size, policies: this.policies.size },
      'image scan controller started',
    );
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const watch of this.watches) watch.stop();
    for (const state of this.repos.values()) {
      clearTimeout(state.timer);
      state.client?.close();
    }
  }

  /**
   * Scans at once every ImageRepository whose image is `repository` on `host` (host[:port]; when no
   * repository on that host matches, any host — a registry behind a proxy sees another Host). Returns the
   * keys (namespace/name) of the repositories triggered.
   */
  scanImage(host: string | undefined, repository: string, tag?: string): string[] {
    const matches = (byHost: boolean): string[] =>
      [...this.repos].flatMap(([key, state]) => {
        let location;
        try {
          location = parseImageName(state.repo.spec.image);
        } catch {
          return [];
        }
        if (location.repository !== repository) return [];
        if (byHost && host?.toLowerCase() !== location.registry) return [];
        return [key];
      });
    const keys =
      host === undefined ? matches(false) : matches(true).length > 0 ? matches(true) : matches(false);
    for (const key of keys) {
      const state = this.repos.get(key);
      if (tag !== undefined && state !== undefined && state.expectedTags.size < 100) {
        state.expectedTags.set(tag, EXPECTED_TAG_RESCANS);
      }
      this.requestScan(key, 'webhook');
    }
    return keys;
  }

  /** Scans what a registry webhook's pushes name; the keys of the repositories triggered, once each. */
  scanPushes(
    pushes: readonly { host: string | undefined; repository: string; tag?: string | undefined }[],
  ): string[] {
    const keys = new Set<string>();
    const seen = new Set<string>();
    for (const push of pushes) {
      const id = `${push.host ?? ''}/${push.repository}:${push.tag ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const key of this.scanImage(push.host, push.repository, push.tag)) keys.add(key);
    }
    return [...keys];
  }

  /** The in-memory tags of a repository (tests and the API). */
  tagsOf(key: string): readonly string[] | undefined {
    return this.repos.get(key)?.tags;
  }

  private watch(
    kind: string,
    namespace: string | undefined,
    onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void,
  ): Promise<void> {
    return new Promise((resolve) => {
      this.watches.push(
        this.options.objects.watch({
          apiVersion: MOORING_API_VERSION,
          kind,
          ...(namespace === undefined ? {} : { namespace }),
          onEvent: (event) => {
            onEvent(event.type, event.object);
          },
          onSynced: resolve,
          onError: (error) => {
            this.options.logger.warn({ kind, err: error.message }, `${kind} watch interrupted; resuming`);
          },
        }),
      );
    });
  }

  private onRepository(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const key = keyOf(obj);
    const existing = this.repos.get(key);
    if (type === 'DELETED') {
      if (existing !== undefined) {
        clearTimeout(existing.timer);
        existing.client?.close();
      }
      this.repos.delete(key);
      this.options.sink?.forgotten?.(key);
      for (const policyKey of this.policiesOf(key)) this.requestPolicy(key, policyKey);
      return;
    }
    let repo: ImageRepository;
    try {
      repo = parseImageRepository(obj);
    } catch (error) {
      this.options.logger.warn({ repository: key, err: errorMessage(error) }, 'ImageRepository is invalid');
      return;
    }
    if (existing === undefined) {
      this.repos.set(key, {
        repo,
        client: undefined,
        clientKey: '',
        tags: undefined,
        lastError: undefined,
        failures: 0,
        timer: undefined,
        running: false,
        pendingScan: undefined,
        expectedTags: new Map(),
        pendingPolicies: new Set(),
        lastGeneration: (repo.metadata.generation as number | undefined) ?? 0,
      });
      this.requestScan(key, 'spec');
      return;
    }
    existing.repo = repo;
    const generation = (repo.metadata.generation as number | undefined) ?? 0;
    // Our own status writes move resourceVersion, not generation: only a spec change rescans.
    if (generation !== existing.lastGeneration) {
      existing.lastGeneration = generation;
      this.requestScan(key, 'spec');
    }
  }

  private onPolicy(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const key = keyOf(obj);
    if (type === 'DELETED') {
      this.policies.delete(key);
      return;
    }
    let policy: ImagePolicy;
    try {
      policy = parseImagePolicy(obj);
    } catch (error) {
      this.options.logger.warn({ policy: key, err: errorMessage(error) }, 'ImagePolicy is invalid');
      return;
    }
    const before = this.policies.get(key);
    this.policies.set(key, policy);
    if (before !== undefined && before.metadata.generation === policy.metadata.generation) return;
    const repoKey = `${policy.metadata.namespace}/${policy.spec.imageRepositoryRef.name}`;
    this.requestPolicy(repoKey, key);
  }

  private policiesOf(repoKey: string): string[] {
    return [...this.policies]
      .filter(([, p]) => `${p.metadata.namespace}/${p.spec.imageRepositoryRef.name}` === repoKey)
      .map(([key]) => key);
  }

  private requestScan(key: string, trigger: ScanTrigger): void {
    const state = this.repos.get(key);
    if (state === undefined || this.stopped) return;
    state.pendingScan = state.pendingScan === 'webhook' ? 'webhook' : trigger;
    void this.drive(key);
  }

  /** Evaluates one policy (its repository may be missing: the policy then says so). */
  private requestPolicy(repoKey: string, policyKey: string): void {
    const state = this.repos.get(repoKey);
    if (state === undefined) {
      void this.evaluate(policyKey, { kind: 'missing' });
      return;
    }
    state.pendingPolicies.add(policyKey);
    void this.drive(repoKey);
  }

  /** The one loop per repository: scans and evaluations never overlap; triggers meanwhile fold. */
  private async drive(key: string): Promise<void> {
    const state = this.repos.get(key);
    if (state === undefined || state.running) return;
    state.running = true;
    try {
      while (!this.stopped && this.repos.get(key) === state) {
        const trigger = state.pendingScan;
        if (trigger !== undefined) {
          state.pendingScan = undefined;
          await this.scan(key, state, trigger);
          for (const policyKey of this.policiesOf(key)) state.pendingPolicies.add(policyKey);
          continue;
        }
        if (state.pendingPolicies.size === 0) break;
        const policyKeys = [...state.pendingPolicies];
        state.pendingPolicies.clear();
        for (const policyKey of policyKeys) await this.evaluate(policyKey, this.viewOf(state));
      }
    } catch (error) {
      this.options.logger.error({ repository: key, err: errorMessage(error) }, 'image scan loop failed');
    } finally {
      state.running = false;
    }
  }

  private viewOf(state: RepoState): RepositoryView {
    if (state.tags !== undefined && state.client !== undefined) {
      return { kind: 'scanned', repo: state.repo, tags: state.tags, client: state.client };
    }
    return {
      kind: 'not-scanned',
      why:
        state.lastError === undefined ? 'has not been scanned yet' : `cannot be scanned: ${state.lastError}`,
    };
  }

  private async scan(key: string, state: RepoState, trigger: ScanTrigger): Promise<void> {
    clearTimeout(state.timer);
    const repo = state.repo;
    if (repo.spec.suspend === true) return;
    const started = Date.now();
    let delay = this.jittered(durationMs(repo.spec.interval));
    try {
      // A Secret that cannot be used is a failed scan too: status says why.
      const outcome = await this.clientFor(state).then(
        (client) =>
          scanRepository(repo, client, trigger, this.now, AbortSignal.timeout(durationMs(repo.spec.timeout))),
        (error: unknown) => failedScan(repo, error, trigger, this.now),
      );
      if (outcome.tags !== undefined) {
        state.tags = outcome.tags;
        state.lastError = undefined;
        state.failures = 0;
        if (this.stillExpected(state, outcome.tags)) delay = EXPECTED_TAG_RESCAN_MS;
      } else {
        state.lastError = outcome.error?.message;
        state.failures++;
        delay = this.retryDelay(state, outcome.error, delay);
      }
      await this.writeStatus(repo, IMAGE_REPOSITORY_KIND, outcome.status);
      if (outcome.event !== undefined) this.options.sink?.event(repo, outcome.event);
      this.options.sink?.scanned?.({
        repository: key,
        outcome: outcome.tags === undefined ? 'failure' : 'success',
        trigger,
        durationMs: Date.now() - started,
        tags: outcome.tags?.length,
      });
    } catch (error) {
      state.lastError = errorMessage(error);
      state.failures++;
      delay = this.retryDelay(state, error, delay);
      this.options.logger.warn({ repository: key, err: state.lastError }, 'image scan failed');
    }
    if (!this.stopped && this.repos.get(key) === state) {
      state.timer = setTimeout(() => {
        this.requestScan(key, state.expectedTags.size > 0 ? 'webhook' : 'interval');
      }, delay);
      state.timer.unref();
    }
  }

  /** Forgets expected tags the listing has (or that ran out of rescans); true when some remain. */
  private stillExpected(state: RepoState, tags: readonly string[]): boolean {
    const listed = new Set(tags);
    for (const [tag, left] of state.expectedTags) {
      if (listed.has(tag) || left <= 0) state.expectedTags.delete(tag);
      else state.expectedTags.set(tag, left - 1);
    }
    return state.expectedTags.size > 0;
  }

  /** After a failure: what a 429 asked for, else 5 s doubling per failure, never beyond the interval. */
  private retryDelay(state: RepoState, error: unknown, interval: number): number {
    if (error instanceof RateLimitedError) return Math.max(error.retryAfterMs, 1000);
    return Math.min(interval, 5000 * 2 ** Math.min(state.failures - 1, 10));
  }

  private jittered(ms: number): number {
    return Math.round(ms * (0.9 + 0.2 * this.random()));
  }

  /** The registry client of a repository, rebuilt when the spec or its Secrets change. */
  private async clientFor(state: RepoState): Promise<RegistryClient> {
    const repo = state.repo;
    const namespace = repo.metadata.namespace;
    const subject = `${IMAGE_REPOSITORY_KIND}/${namespace}/${repo.metadata.name}`;
    const secret =
      repo.spec.secretRef === undefined
        ? undefined
        : await this.secret(namespace, repo.spec.secretRef.name, subject);
    const ca =
      repo.spec.certSecretRef === undefined
        ? undefined
        : await this.secret(namespace, repo.spec.certSecretRef.name, subject);
    const clientKey = JSON.stringify([
      repo.spec.image,
      repo.spec.insecure,
      secret?.metadata.resourceVersion,
      ca?.metadata.resourceVersion,
    ]);
    if (state.client !== undefined && state.clientKey === clientKey) return state.client;
    state.client?.close();
    const location = parseImageName(repo.spec.image);
    const dockerConfig = secret === undefined ? undefined : secretValue(secret, '.dockerconfigjson');
    const caPem = ca === undefined ? undefined : secretValue(ca, 'ca.crt');
    const clientCertificate = ca === undefined ? undefined : clientCertificateOf(ca, subject);
    state.client = new RegistryClient({
      image: repo.spec.image,
      subject,
      credentials:
        dockerConfig === undefined ? undefined : credentialsFor(dockerConfig, location.registry, subject),
      caPem,
      clientCertificate,
      insecure: repo.spec.insecure,
      ...(this.options.registryLimits === undefined ? {} : { limits: this.options.registryLimits }),
      egress: this.options.egress,
    });
    state.clientKey = clientKey;
    return state.client;
  }

  private async secret(namespace: string, name: string, subject: string): Promise<KubeObject> {
    const secret = await this.options.objects.get('v1', { group: '', kind: 'Secret', namespace, name });
    if (secret === undefined) throw new Error(`${subject}: Secret ${namespace}/${name} does not exist`);
    return secret;
  }

  private async evaluate(policyKey: string, view: RepositoryView): Promise<void> {
    const policy = this.policies.get(policyKey);
    if (policy === undefined || policy.spec.suspend === true) return;
    try {
      const outcome = await evaluatePolicy(policy, view, this.now, AbortSignal.timeout(60_000));
      await this.writeStatus(policy, IMAGE_POLICY_KIND, outcome.status);
      this.retryDigestLater(policyKey, policy, outcome.status);
      if (outcome.event !== undefined) this.options.sink?.event(policy, outcome.event);
      if (outcome.changed !== undefined) {
        this.options.logger.info(
          { policy: policyKey, from: outcome.changed.from, to: outcome.changed.to },
          'latest image changed',
        );
        this.options.sink?.imageChanged?.(policyKey, outcome.changed.from, outcome.changed.to);
      }
    } catch (error) {
      this.options.logger.warn(
        { policy: policyKey, err: errorMessage(error) },
        'image policy evaluation failed',
      );
    }
  }

  /**
   * A digest that could not be read is asked again soon (0.5 s doubling, at most 30 s): a registry lists
   * a tag a moment before its manifest link answers, and a webhook scan lands in that moment.
   */
  private retryDigestLater(policyKey: string, policy: ImagePolicy, status: ImagePolicyStatus): void {
    const failed = status.conditions?.some((c) => c.type === 'Ready' && c.reason === 'DigestFailed') === true;
    if (!failed) {
      this.digestRetries.delete(policyKey);
      return;
    }
    const attempt = (this.digestRetries.get(policyKey) ?? 0) + 1;
    this.digestRetries.set(policyKey, attempt);
    const repoKey = `${policy.metadata.namespace}/${policy.spec.imageRepositoryRef.name}`;
    setTimeout(
      () => {
        if (!this.stopped) this.requestPolicy(repoKey, policyKey);
      },
      Math.min(500 * 2 ** Math.min(attempt - 1, 10), 30_000),
    ).unref();
  }

  /** Writes status through the subresource, skipping a write that would change nothing. */
  private async writeStatus(
    obj: ImageRepository | ImagePolicy,
    kind: string,
    status: ImageRepositoryStatus | ImagePolicyStatus,
  ): Promise<void> {
    if (JSON.stringify(obj.status ?? {}) === JSON.stringify(status)) return;
    const written = await this.options.objects.mergePatch(
      MOORING_API_VERSION,
      { group: 'mooring.dev', kind, namespace: obj.metadata.namespace, name: obj.metadata.name },
      { status },
      { subresource: 'status' },
    );
    // Keep what was written, so the next outcome starts from it even before the watch event arrives.
    (obj as KubeObject).status = written.status ?? status;
  }
}

function secretValue(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** tls.crt and tls.key of a certSecretRef Secret (Flux's layout), both or neither; throws INVALID_ARGUMENT. */
function clientCertificateOf(secret: KubeObject, subject: string): ClientCertificate | undefined {
  const certPem = secretValue(secret, 'tls.crt');
  const keyPem = secretValue(secret, 'tls.key');
  if (certPem === undefined && keyPem === undefined) return undefined;
  if (certPem === undefined || keyPem === undefined)
    throw new MooringError(
      'INVALID_ARGUMENT',
      `${subject}: Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name} has ${certPem === undefined ? 'tls.key without tls.crt' : 'tls.crt without tls.key'}`,
      {
        subject,
        retry: 'terminal',
        hint: 'a client certificate needs both tls.crt and tls.key (kubectl create secret tls)',
      },
    );
  return { certPem, keyPem };
}
