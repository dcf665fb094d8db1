/** Contracts of the Git push webhook receiver. Implementation: src/controller/webhook/*. */
import type { Logger } from '../../core/logger.js';
import type { DeliveryLogOptions } from './deliveries.js';
import type { RefSpec } from '../../source/types.js';

/** Who sent a webhook, from its headers. Forgejo counts as `gitea` (same headers and payload). */
export type WebhookProvider = 'github' | 'gitlab' | 'gitea' | 'bitbucket' | 'generic';

/** One ref update announced by a verified webhook. */
export interface PushEvent {
  provider: WebhookProvider;
  /** Every form of the repository's URL the payload gives (https clone, ssh clone, web page). */
  repoURLs: string[];
  /** Set when a branch moved (`refs/heads/<branch>`). Exactly one of branch and tag is set. */
  branch?: string;
  /** Set when a tag was pushed or deleted (`refs/tags/<tag>`). */
  tag?: string;
  /**
   * Files touched by the push, relative to the repository root. Undefined when not known (the
   * payload lists no files, lists only some commits, a force push, a new branch, any tag push):
   * then every app following that repository and ref refreshes.
   */
  changedPaths?: string[];
  /** The commit the ref now points at; undefined when the ref was deleted. */
  after?: string;
}

/**
 * How the receiver answered a delivery: `refreshed` (a verified push, 202), `ignored` (not a push),
 * `duplicate` (a delivery id already received), `ping`, `unauthorized` (no or wrong signature or secret),
 * `invalid` (unreadable, too large, too slow, wrong media type), `error` (failed here).
 */
export type DeliveryResult =
  'refreshed' | 'ignored' | 'duplicate' | 'ping' | 'unauthorized' | 'invalid' | 'error';

/** What a verified request asks for. */
export type WebhookOutcome =
  | { kind: 'push'; events: PushEvent[] }
  /** A delivery test (GitHub `ping`, Bitbucket `diagnostics:ping`): answer, do nothing. */
  | { kind: 'ping' }
  /** An event that is not a push (issues, pull requests, refs outside heads/tags). */
  | { kind: 'ignored'; reason: string };

/** Request headers with lower-case names, as Node and fastify give them. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** One shared secret per provider; a provider without one is refused. */
export interface WebhookSecrets {
  github?: string;
  gitlab?: string;
  gitea?: string;
  bitbucket?: string;
  generic?: string;
}

/** What `appsToRefresh` needs to know of one Application. */
export interface WebhookApp {
  /** Returned as is when the app should refresh (e.g. `namespace/name`). */
  key: string;
  repoURL: string;
  ref: RefSpec;
  /** The app's folder in the repository ('' or '.' for the root). */
  path: string;
  /**
   * Further folders or files whose changes affect the app (a kustomize base, shared Helm values
   * outside `path`). Without them, a push touching only those would not refresh the app.
   */
  extraPaths?: string[];
}

export interface WebhookServerOptions {
  secrets: WebhookSecrets;
  /** Larger bodies are refused with 413 (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Headers not received within this get 408 and the connection is closed (default 10 s). */
  headersTimeoutMs?: number;
  /** Headers and body not received within this get 408 and the connection is closed (default 30 s). */
  requestTimeoutMs?: number;
  /** How long and how many delivery ids are remembered for replay protection (default 1 day, 10,000). */
  deliveries?: DeliveryLogOptions;
  /** Told of every request to the receiver: the provider its headers name (or 'unknown') and the result. */
  onDelivery?: (delivery: { provider: WebhookProvider | 'unknown'; result: DeliveryResult }) => void;
  /** Refreshes the apps a push concerns; resolves to their keys. Called once per ref in the push. */
  onPush(event: PushEvent): Promise<string[]>;
  logger?: Logger;
}
