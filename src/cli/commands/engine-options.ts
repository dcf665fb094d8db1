import { basename } from 'node:path';

import type { Command } from 'commander';

import { MooringError } from '../../core/errors.js';
import { renderTools as resolveRenderTools } from '../../devcluster/render-helper.js';
import type { LocalSource, SyncRequest } from '../../engine/types.js';
import type { RenderOptions, RenderTools, RendererKind } from '../../render/types.js';
import { parseDuration } from '../duration.js';

/** Options shared by render, diff and apply. */
export interface EngineCliOptions {
  app?: string;
  namespace: string;
  renderer?: string;
  helmRelease?: string;
  helmValues?: string[];
  helmSet?: string[];
  kubeconfig?: string;
  context?: string;
  output: string;
  prune?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  timeout: string;
  allowMassPrune?: boolean;
  pruneThreshold: string;
  createNamespace?: boolean;
  concurrency: string;
  verifyKeys?: string;
  verifyMode?: string;
  /** NAMESPACE/NAME of a ServiceAccount to write as (Kubernetes impersonation). */
  as?: string;
  /** diff: report hooks too (they are not part of the steady state). */
  includeHooks?: boolean;
  /** Files of custom health checks (ConfigMaps, Flux Kustomizations) for the waits. */
  healthChecks?: string[];
}

/**
 * Reads --as NAMESPACE/NAME: the ServiceAccount whose RBAC every write (dry-run included) is checked
 * against. Pure.
 */
export function parseServiceAccountArg(value: string): { namespace: string; name: string } {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(value);
  if (match?.[1] === undefined || match[3] === undefined) {
    throw new MooringError('INVALID_ARGUMENT', `--as "${value}" is not NAMESPACE/NAME of a ServiceAccount`, {
      hint: 'e.g. --as team-a/deployer (your kubeconfig needs "impersonate" on that ServiceAccount)',
    });
  }
  return { namespace: match[1], name: match[3] };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Adds the options every engine command takes. */
export function addSourceOptions(command: Command): Command {
  return command
    .argument('<source>', 'a local folder (FOLDER[//PATH]) or a Git repository: REPO_URL[@REF][//PATH]')
    .option('--app <name>', 'application name (tracking label, inventory); default: the folder name')
    .option(
      '-n, --namespace <namespace>',
      'namespace for objects that have none (and Helm releases)',
      'default',
    )
    .option('--renderer <kind>', 'directory | kustomize | helm | jsonnet (default: detected)')
    .option('--helm-release <name>', 'Helm release name (default: the app name)')
    .option('--helm-values <file>', 'Helm values file inside the source (repeatable)', collect)
    .option(
      '--helm-set <key=json>',
      'inline Helm value, JSON-typed: replicas=3, image.tag="1.2" (repeatable)',
      collect,
    )
    .option(
      '--verify-keys <dir>',
      'refuse a repository revision not signed by a key in DIR (*.asc OpenPGP, *.pub / allowed_signers SSH)',
    )
    .option(
      '--verify-mode <mode>',
      'with --verify-keys: head (the commit), tag, or tagAndHead (default head)',
    );
}

export function addClusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use');
}

/**
 * The render helper (`mooring-render`): built by `npm run toolchain` into its cache folder, or named by
 * MOORING_RENDER_HELPER (the container image). It is all that kustomize, helm and jsonnet apps need.
 */
export function renderTools(): RenderTools {
  return resolveRenderTools();
}

export function renderOptionsFrom(opts: EngineCliOptions, appName: string): RenderOptions {
  const kinds: RendererKind[] = ['directory', 'kustomize', 'helm', 'jsonnet'];
  if (opts.renderer !== undefined && !kinds.includes(opts.renderer as RendererKind)) {
    throw new MooringError('INVALID_ARGUMENT', `unknown renderer "${opts.renderer}"`, {
      hint: `use one of ${kinds.join(', ')}`,
    });
  }
  const values: Record<string, unknown> = {};
  for (const pair of opts.helmSet ?? []) setPath(values, pair);
  return {
    ...(opts.renderer === undefined ? {} : { kind: opts.renderer as RendererKind }),
    helm: {
      releaseName: opts.helmRelease ?? appName,
      ...(opts.helmValues === undefined ? {} : { valueFiles: opts.helmValues }),
      ...(Object.keys(values).length === 0 ? {} : { values }),
    },
  };
}

function setPath(into: Record<string, unknown>, pair: string): void {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new MooringError('INVALID_ARGUMENT', `--helm-set needs key=value, got "${pair}"`);
  const keys = pair.slice(0, eq).split('.');
  const raw = pair.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  let node = into;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys[keys.length - 1] ?? ''] = value;
}

export function appNameFor(opts: EngineCliOptions, source: LocalSource): string {
  if (opts.app !== undefined) return opts.app;
  const fromPath = basename(source.path === '' ? source.root : source.path);
  return (
    fromPath
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'app'
  );
}

/** `diff` is a dry run that also shows what pruning would remove; `apply --dry-run` prunes only with --prune. */
export function syncRequestFrom(
  opts: EngineCliOptions,
  source: LocalSource,
  mode: 'diff' | 'apply',
): SyncRequest {
  const appName = appNameFor(opts, source);
  const threshold = Number(opts.pruneThreshold);
  if (!(threshold > 0 && threshold <= 1)) {
    throw new MooringError(
      'INVALID_ARGUMENT',
      `--prune-threshold must be a fraction in (0, 1], got ${opts.pruneThreshold}`,
    );
  }
  return {
    appName,
    source,
    renderOptions: renderOptionsFrom(opts, appName),
    namespace: opts.namespace,
    createNamespace: opts.createNamespace === true,
    prune: opts.prune === true || mode === 'diff',
    pruneThreshold: threshold,
    allowMassPrune: opts.allowMassPrune === true,
    dryRun: mode === 'diff' || opts.dryRun === true,
    wait: opts.wait === true,
    timeoutMs: parseDuration(opts.timeout),
    concurrency: Math.max(1, Number.parseInt(opts.concurrency, 10) || 16),
    ...(mode === 'diff' ? { includeHooks: opts.includeHooks === true } : {}),
  };
}
